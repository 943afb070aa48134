package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SmokeTest {

	ExecutorService pool = Executors.newFixedThreadPool(2);

	@AfterEach
	void shutdown() {
		pool.shutdownNow();
	}

	@Test
	void fanOutAndFail() throws Exception {
		ErrGroupFactory f = ErrGroupFactory.create(pool);
		try (ErrGroup g = f.newGroup("x")) {
			Task<Integer> a = g.go(() -> 42);
			Task<Void> b = g.go(() -> { });
			Task<String> c = g.go(ctx -> ctx.groupName());
			g.await();
			assertThat(a.resultNow()).isEqualTo(42);
			assertThat(b.state()).isEqualTo(Task.State.SUCCESS);
			assertThat(c.resultNow()).isEqualTo("x");
		}
		RuntimeException boom = new RuntimeException("boom");
		CountDownLatch started = new CountDownLatch(1);
		ErrGroup g = f.newGroup("y");
		Task<Object> slow = g.go(() -> { started.countDown(); Thread.sleep(60_000); return null; });
		started.await();
		g.go(() -> { throw boom; });
		assertThatThrownBy(g::await).isInstanceOf(ErrGroupException.class).hasCauseReference(boom);
		assertThat(slow.state()).isEqualTo(Task.State.CANCELLED);
		for (int n = 0; n < 2000; n++) {
			try (ErrGroup h = f.newGroup("n")) {
				for (int i = 0; i < 16; i++) h.go(() -> 1);
				h.await();
			}
		}
	}

}
