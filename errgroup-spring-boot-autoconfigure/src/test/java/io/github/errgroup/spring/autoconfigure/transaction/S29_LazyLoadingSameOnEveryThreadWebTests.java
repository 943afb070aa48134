package io.github.errgroup.spring.autoconfigure.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import javax.sql.DataSource;

import jakarta.persistence.Entity;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.ManyToOne;
import org.hibernate.LazyInitializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.persistenceunit.PersistenceManagedTypes;
import org.springframework.orm.jpa.support.OpenEntityManagerInViewInterceptor;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * S29, finding 2 of issue 13 replayed, on Tomcat with Spring Data JPA over Hibernate and an open
 * {@code EntityManager} per request, Boot's default ({@code spring.jpa.open-in-view=true}): tasks of a request load a book and read its lazy author. The
 * request thread holds the open-in-view {@code EntityManager}; a task it runs while awaiting (S15) must
 * not use it, or the author would load there and throw everywhere else. So the outcome is the same on
 * every thread: {@code LazyInitializationException} when the author was not fetched, the author's
 * name when it was.
 *
 * <p>Forced as in {@link S29_TasksDoNotJoinTheCallersTransactionTests}: on a pool of one thread, the
 * first task of each request starts on it and holds it until the request thread has run the other two.
 */
class S29_LazyLoadingSameOnEveryThreadWebTests {

	private static final Logger measured = WebTestSupport.measurements(S29_LazyLoadingSameOnEveryThreadWebTests.class);

	private static final int REQUESTS = 20;

	private static ConfigurableApplicationContext app;

	@BeforeAll
	static void start() {
		app = WebTestSupport.start(Library.class, WebApplicationType.SERVLET, "errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1");
		Author pike = app.getBean(Authors.class).save(new Author(1L, "Rob Pike"));
		app.getBean(Books.class).save(new Book(1L, "The Practice of Programming", pike));
	}

	@AfterAll
	static void stop() {
		app.close();
	}

	@Test
	void S29_aLazyAssociationNotFetched_throwsOnEveryThread_theAwaitingOneToo() throws Exception {
		Map<String, Long> outcomes = replay(false);
		measured.debug("S29 lazy author not fetched, {} requests: {}", REQUESTS, outcomes);
		assertThat(outcomes).containsOnly(Map.entry("pool: LazyInitializationException", (long) REQUESTS),
				Map.entry("waiter: LazyInitializationException", 2L * REQUESTS));
	}

	@Test
	void S29_aLazyAssociationFetched_loadsOnEveryThread() throws Exception {
		Map<String, Long> outcomes = replay(true);
		measured.debug("S29 author fetched, {} requests: {}", REQUESTS, outcomes);
		assertThat(outcomes).containsOnly(Map.entry("pool: Rob Pike", (long) REQUESTS),
				Map.entry("waiter: Rob Pike", 2L * REQUESTS));
	}

	/** Counts "thread kind: outcome" over the tasks of {@value #REQUESTS} requests. */
	private static Map<String, Long> replay(boolean fetched) throws Exception {
		List<String> all = new ArrayList<>();
		for (int request = 0; request < REQUESTS; request++) {
			var answer = WebTestSupport.get(WebTestSupport.port(app), "/author?fetched=" + fetched);
			assertThat(answer.statusCode()).isEqualTo(200);
			all.addAll(List.of(answer.body().split(",")));
		}
		return all.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
	}

	@Entity(name = "Author")
	static class Author {

		@Id
		Long id;

		String name;

		protected Author() {
		}

		Author(Long id, String name) {
			this.id = id;
			this.name = name;
		}

		String getName() {
			return this.name;
		}

	}

	@Entity(name = "Book")
	static class Book {

		@Id
		Long id;

		String title;

		@ManyToOne(fetch = FetchType.LAZY)
		Author author;

		protected Book() {
		}

		Book(Long id, String title, Author author) {
			this.id = id;
			this.title = title;
			this.author = author;
		}

		Author getAuthor() {
			return this.author;
		}

	}

	interface Authors extends JpaRepository<Author, Long> {

	}

	interface Books extends JpaRepository<Book, Long> {

		@EntityGraph(attributePaths = "author")
		Optional<Book> findWithAuthorById(Long id);

	}

	/**
	 * Boot's DataSource (HikariCP over H2), and JPA as Boot's JPA auto-configuration would set it up
	 * with {@code spring.jpa.open-in-view=true}, its default: Hibernate's {@code EntityManagerFactory}, a
	 * {@code JpaTransactionManager}, and an {@code OpenEntityManagerInViewInterceptor} on every MVC
	 * request. Declared here because Boot's JPA modules are left off this module's test class path,
	 * where they would start Hibernate in every other test's application.
	 */
	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@EnableJpaRepositories(considerNestedRepositories = true, basePackageClasses = Library.class)
	@Import(Shelf.class)
	static class Library {

		@Bean
		LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
			LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
			factory.setDataSource(dataSource);
			factory.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
			factory.setManagedTypes(PersistenceManagedTypes.of(Author.class.getName(), Book.class.getName()));
			factory.setJpaPropertyMap(Map.of("hibernate.hbm2ddl.auto", "create-drop"));
			return factory;
		}

		@Bean
		JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
			return new JpaTransactionManager(entityManagerFactory);
		}

		/** What {@code spring.jpa.open-in-view=true} registers (Boot's {@code JpaWebConfiguration}). */
		@Bean
		WebMvcConfigurer openEntityManagerInView(EntityManagerFactory entityManagerFactory) {
			OpenEntityManagerInViewInterceptor interceptor = new OpenEntityManagerInViewInterceptor();
			interceptor.setEntityManagerFactory(entityManagerFactory);
			return new WebMvcConfigurer() {
				@Override
				public void addInterceptors(InterceptorRegistry registry) {
					registry.addWebRequestInterceptor(interceptor);
				}
			};
		}

	}

	@RestController
	static class Shelf {

		private final Books books;

		private final ErrGroupFactory groups;

		Shelf(Books books, ErrGroupFactory groups) {
			this.books = books;
			this.groups = groups;
		}

		/** Three tasks each load book 1 and read its author's name; answers "thread kind: outcome" per task. */
		@GetMapping("/author")
		String author(@RequestParam boolean fetched) throws InterruptedException {
			Thread requestThread = Thread.currentThread();
			List<Task<String>> tasks = new ArrayList<>();
			try (ErrGroup group = this.groups.newGroup("s29-lazy")) {
				CountDownLatch firstStarted = new CountDownLatch(1);
				CountDownLatch othersDone = new CountDownLatch(2);
				for (int i = 0; i < 3; i++) {
					boolean first = i == 0;
					tasks.add(group.go(() -> {
						firstStarted.countDown();
						String outcome = where(requestThread) + ": " + authorOfBookOne(fetched);
						if (first) {
							if (!othersDone.await(30, TimeUnit.SECONDS)) {
								throw new IllegalStateException("the other tasks never ran");
							}
						}
						else {
							othersDone.countDown();
						}
						return outcome;
					}));
					if (first && !firstStarted.await(30, TimeUnit.SECONDS)) {
						throw new IllegalStateException("the first task never started on the pool");
					}
				}
				group.await();
			}
			return tasks.stream().map(Task::resultNow).collect(Collectors.joining(","));
		}

		private String authorOfBookOne(boolean fetched) {
			Book book = (fetched ? this.books.findWithAuthorById(1L) : this.books.findById(1L)).orElseThrow();
			try {
				return book.getAuthor().getName();
			}
			catch (LazyInitializationException ex) {
				return ex.getClass().getSimpleName();
			}
		}

		private static String where(Thread requestThread) {
			Thread current = Thread.currentThread();
			return (current == requestThread) ? "waiter"
					: current.getName().startsWith("errgroup-") ? "pool" : current.getName();
		}

	}

}
