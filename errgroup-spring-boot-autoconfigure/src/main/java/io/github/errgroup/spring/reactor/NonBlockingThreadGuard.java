package io.github.errgroup.spring.reactor;

import reactor.core.scheduler.Schedulers;

/**
 * The factory's blocking guard with Reactor present: {@code await()}, or a {@code go()} held back by
 * a limit, on one of Reactor's non-blocking threads (a Netty event loop, the parallel scheduler)
 * throws at once instead of stalling every request that thread serves, as Reactor's own
 * {@code block()} does.
 */
public final class NonBlockingThreadGuard implements Runnable {

	@Override
	public void run() {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException("ErrGroup.await() would block thread " + Thread.currentThread().getName()
					+ ", which is a non-blocking thread of Reactor: blocking there stalls every request it serves. "
					+ "Use awaitAsync() instead (ReactiveErrGroups.await(group) or ReactiveErrGroups.mono(...) "
					+ "give a Mono), or open the group on a thread that may block, such as Schedulers.boundedElastic()");
		}
	}

}
