package io.github.errgroup.sample.product;

import java.util.List;

import io.github.errgroup.sample.ratings.RatingsGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationListener;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;
import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;

/**
 * Calls the ratings service over gRPC, through a channel that applies every {@link ClientInterceptor}
 * bean — the starter's {@code ErrGroupClientInterceptor} among them, which is how plain grpc-java
 * channels register it: inside a group task, each call carries the time left before the group's
 * deadline as {@code grpc-timeout} and is cancelled (its HTTP/2 stream reset) when the group is
 * cancelled (S34). The task then ends {@code CANCELLED}.
 */
@Component
public class RatingsClient implements ApplicationListener<GrpcServerStartedEvent>, DisposableBean {

	private final List<ClientInterceptor> interceptors;

	private volatile ManagedChannel channel;

	public RatingsClient(ObjectProvider<ClientInterceptor> interceptors) {
		this.interceptors = interceptors.orderedStream().toList();
	}

	/**
	 * Opens the channel once the gRPC server listens. The ratings service is served by this app, so
	 * its port is known only then (tests use a random one); an application calling a real service
	 * would build its channel from a configured address.
	 */
	@Override
	public void onApplicationEvent(GrpcServerStartedEvent event) {
		this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", event.getPort())
			.usePlaintext()
			.intercept(this.interceptors)
			.build();
	}

	/**
	 * Fetches the rating of a product.
	 * @param id the product
	 * @return the rating
	 * @throws DownstreamException if the service answered with an error status
	 */
	public Rating fetch(String id) {
		try {
			return new Rating(id, ClientCalls.blockingUnaryCall(this.channel, RatingsGrpc.GET, CallOptions.DEFAULT, id));
		}
		catch (StatusRuntimeException ex) {
			Status.Code code = ex.getStatus().getCode();
			if (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED) {
				throw ex; // the group's cancel or deadline: the starter counts the task CANCELLED
			}
			throw new DownstreamException("ratings", HttpStatusCode.valueOf(500));
		}
	}

	@Override
	public void destroy() {
		ManagedChannel open = this.channel;
		if (open != null) {
			open.shutdownNow();
		}
	}

	/**
	 * The ratings service's answer.
	 * @param id the product
	 * @param rating its rating
	 */
	public record Rating(String id, String rating) {
	}

}
