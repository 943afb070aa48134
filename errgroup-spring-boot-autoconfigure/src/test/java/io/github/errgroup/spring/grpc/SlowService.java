package io.github.errgroup.spring.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * A real gRPC server on Netty over loopback with one unary method, {@code test.Slow/Work}, whose
 * handler blocks in a group task until its group is cancelled, and records what the server side saw:
 * the server-side proof of S33 and S34, as {@code /downstream/stats} is for HTTP. The request says how
 * long the task works, in milliseconds ({@code "forever"}: until interrupted).
 */
final class SlowService implements AutoCloseable {

	/** A string marshaller: hand-written method descriptors need no protoc. */
	static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {

		@Override
		public InputStream stream(String value) {
			return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
		}

		@Override
		public String parse(InputStream stream) {
			try {
				return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	};

	static final MethodDescriptor<String, String> WORK = MethodDescriptor.<String, String>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName("test.Slow/Work")
		.setRequestMarshaller(UTF8)
		.setResponseMarshaller(UTF8)
		.build();

	/** What the server saw of one call. */
	static final class Handled {

		/** The deadline of the scope the handler ran in (S33), as GroupContext.current() showed it. */
		volatile Optional<Instant> scopeDeadline;

		/** grpc-java's own deadline of the call: what grpc-timeout said. */
		volatile Deadline callDeadline;

		final CountDownLatch started = new CountDownLatch(1);

		/** The cause the handler's task saw when it was interrupted. */
		final CompletableFuture<Throwable> interrupted = new CompletableFuture<>();

		volatile long interruptedNanos;

	}

	final BlockingQueue<Handled> handled = new LinkedBlockingQueue<>();

	private final ExecutorService pool = Executors.newCachedThreadPool();

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	private final Server server;

	SlowService() throws IOException {
		this(new ErrGroupServerInterceptor());
	}

	SlowService(ErrGroupServerInterceptor interceptor) throws IOException {
		ServerServiceDefinition service = ServerServiceDefinition.builder("test.Slow")
			.addMethod(WORK, ServerCalls.asyncUnaryCall(this::work))
			.build();
		this.server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
			.addService(ServerInterceptors.intercept(service, interceptor))
			.build()
			.start();
	}

	int port() {
		return ((InetSocketAddress) this.server.getListenSockets().get(0)).getPort();
	}

	Handled next() throws InterruptedException {
		Handled next = this.handled.poll(10, TimeUnit.SECONDS);
		if (next == null) {
			throw new AssertionError("no call reached the server in 10 s");
		}
		return next;
	}

	private void work(String request, StreamObserver<String> response) {
		Handled seen = new Handled();
		seen.scopeDeadline = GroupContext.current().flatMap(GroupContext::deadline);
		seen.callDeadline = Context.current().getDeadline();
		this.handled.add(seen);
		try (ErrGroup group = this.factory.newGroup("work")) {
			group.go(() -> {
				seen.started.countDown();
				try {
					Thread.sleep(request.equals("forever") ? Long.MAX_VALUE / 1_000_000 : Long.parseLong(request));
				}
				catch (InterruptedException ex) {
					seen.interruptedNanos = System.nanoTime();
					seen.interrupted.complete(GroupContext.current().orElseThrow().cause());
					throw ex;
				}
			});
			group.await();
			response.onNext("done");
			response.onCompleted();
		}
		catch (ErrGroupException ex) {
			response.onError(Status.CANCELLED.withDescription("the work was cancelled").asRuntimeException());
		}
	}

	@Override
	public void close() throws InterruptedException {
		this.server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		this.factory.close();
		this.pool.shutdownNow();
	}

}
