package io.github.errgroup.sample.downstream;

import java.util.Set;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.sample.faults.FaultSwitches;
import io.github.errgroup.sample.ratings.RatingsGrpc;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import org.springframework.stereotype.Component;

/**
 * The simulated ratings service, over gRPC on Spring gRPC's server ({@code spring.grpc.server.port}):
 * the downstream the product page calls over gRPC. It looks the rating up in a group of its own, which
 * the starter makes a child of the inbound call (S33): when the caller cancels or its deadline passes,
 * the lookup is interrupted at once and counted "abandoned" in {@code /downstream/stats}, the
 * server-side proof, as for the HTTP services. Honours the demo's fault switches, which reach it as
 * call metadata ({@link FaultSwitches}).
 */
@Component
public class RatingsService implements BindableService {

	private final ErrGroupFactory groups;

	private final DownstreamProperties properties;

	private final DownstreamStats stats;

	public RatingsService(ErrGroupFactory groups, DownstreamProperties properties, DownstreamStats stats) {
		this.groups = groups;
		this.properties = properties;
		this.stats = stats;
	}

	@Override
	public ServerServiceDefinition bindService() {
		return ServerServiceDefinition.builder(RatingsGrpc.SERVICE)
			.addMethod(RatingsGrpc.GET, ServerCalls.asyncUnaryCall(this::get))
			.build();
	}

	private void get(String id, StreamObserver<String> response) {
		DownstreamStats.Counters counters = this.stats.of("ratings");
		counters.started.incrementAndGet();
		Set<String> fail = FaultSwitches.grpcSwitch(FaultSwitches.FAIL_HEADER);
		if (fail.contains("ratings")) {
			counters.failed.incrementAndGet();
			response.onError(Status.INTERNAL.withDescription("ratings failed on purpose").asRuntimeException());
			return;
		}
		boolean slow = FaultSwitches.grpcSwitch(FaultSwitches.SLOW_HEADER).contains("ratings");
		long millis = slow ? this.properties.getSlow().toMillis() : this.properties.getLatency()
			.getOrDefault("ratings", java.time.Duration.ofMillis(25))
			.toMillis();
		try (ErrGroup group = this.groups.newGroup("ratings-lookup")) { // a child of the inbound call (S33)
			group.go(() -> {
				try {
					Thread.sleep(millis);
				}
				catch (InterruptedException ex) {
					counters.abandoned.incrementAndGet(); // the caller cancelled, left or ran out of time
					throw ex;
				}
			});
			group.await();
			counters.completed.incrementAndGet();
			response.onNext("4.5 stars for " + id);
			response.onCompleted();
		}
		catch (ErrGroupException ex) {
			response.onError(Status.CANCELLED.withDescription("the lookup was cancelled").asRuntimeException());
		}
	}

}
