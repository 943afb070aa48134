package io.github.errgroup.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;

/**
 * The fair baseline of a helping fan-out, written by hand in a dozen lines: what ErrGroup's waiter does
 * (S15) with nothing else of ErrGroup (no cancel, no limits, no listeners, no group state). Each task is
 * a {@link FutureTask} handed to the executor; then the caller runs them itself, newest first, while the
 * pool takes them oldest first ({@code FutureTask.run()} does nothing for a task already started, so each
 * runs once); then {@code get()} each, which waits only for tasks some other thread is running. Nested
 * use cannot deadlock: a thread waits only for tasks that are running, never for queued ones.
 */
final class CallerHelps {

	private CallerHelps() {
	}

	/** Hands each task to the executor, returns the handles in the order given. */
	static <T> FutureTask<T>[] fork(Executor executor, FutureTask<T>[] handles) {
		for (FutureTask<T> handle : handles) {
			executor.execute(handle);
		}
		return handles;
	}

	/** Runs, newest first, every task no pool thread has started yet; then waits for the others. */
	static <T> void join(FutureTask<T>[] handles) throws InterruptedException, ExecutionException {
		for (int i = handles.length - 1; i >= 0; i--) {
			handles[i].run();
		}
		for (FutureTask<T> handle : handles) {
			handle.get();
		}
	}

	/** One fan-out of {@code tasks} copies of {@code body}: fork, then join; the handles, all done. */
	static <T> FutureTask<T>[] fanOut(Executor executor, Callable<T> body, int tasks)
			throws InterruptedException, ExecutionException {
		@SuppressWarnings("unchecked")
		FutureTask<T>[] handles = (FutureTask<T>[]) new FutureTask<?>[tasks];
		for (int i = 0; i < tasks; i++) {
			handles[i] = new FutureTask<>(body);
		}
		join(fork(executor, handles));
		return handles;
	}

}
