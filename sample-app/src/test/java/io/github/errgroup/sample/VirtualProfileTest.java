package io.github.errgroup.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The {@code virtual} profile runs group tasks on virtual threads (JDK 21+; CI runs it on JDK 25).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.profiles.active=virtual")
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualProfileTest {

	@Autowired
	ErrGroupFactory groups;

	@Test
	void tasksRunOnVirtualThreads() throws Exception {
		java.lang.reflect.Method isVirtual = Thread.class.getMethod("isVirtual");
		try (ErrGroup group = this.groups.newGroup("virtual")) {
			Task<Boolean> onPool = group.go(() -> (Boolean) isVirtual.invoke(Thread.currentThread()));
			// let the executor take it: a waiting thread would run a pending task itself (S15)
			org.awaitility.Awaitility.await().until(() -> onPool.state() != Task.State.PENDING);
			group.await();
			assertThat(onPool.resultNow()).isTrue();
		}
	}

}
