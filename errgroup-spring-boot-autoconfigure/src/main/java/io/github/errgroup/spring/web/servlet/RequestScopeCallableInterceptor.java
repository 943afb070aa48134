package io.github.errgroup.spring.web.servlet;

import java.util.concurrent.Callable;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.spring.web.RequestScopes;
import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

/**
 * Binds the request's scope to the thread that runs a handler's {@code Callable} (or
 * {@code WebAsyncTask}), so that groups opened there are the request's children as on the request
 * thread (S24).
 */
public final class RequestScopeCallableInterceptor implements CallableProcessingInterceptor {

	/** Pre- and post-processing run on the same executor thread, around the callable. */
	private final ThreadLocal<CancellationScope.@Nullable Binding> binding = new ThreadLocal<>();

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		if (request.getAttribute(RequestScopes.SCOPE_ATTRIBUTE,
				RequestAttributes.SCOPE_REQUEST) instanceof CancellationScope scope) {
			this.binding.set(scope.bind());
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, @Nullable Object result) {
		CancellationScope.Binding bound = this.binding.get();
		if (bound != null) {
			this.binding.remove();
			bound.close();
		}
	}

}
