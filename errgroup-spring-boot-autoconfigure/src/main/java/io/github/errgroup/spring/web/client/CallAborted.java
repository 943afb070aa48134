package io.github.errgroup.spring.web.client;

import java.io.InterruptedIOException;

import io.github.errgroup.GroupContext;
import org.jspecify.annotations.Nullable;

/**
 * The exception an aborted call ends with: an {@link InterruptedIOException}, which the core counts
 * as a consequence of the cancellation (the task ends {@code CANCELLED}, not {@code FAILED}, S2),
 * whatever the client library threw when its connection was closed under it.
 */
final class CallAborted {

	private CallAborted() {
	}

	static InterruptedIOException exception(String call, GroupContext context, @Nullable Throwable thrown) {
		InterruptedIOException ex = new InterruptedIOException(
				call + " was aborted: '" + context.groupName() + "' was cancelled (" + context.cause() + ")");
		if (thrown != null) {
			ex.initCause(thrown);
		}
		return ex;
	}

}
