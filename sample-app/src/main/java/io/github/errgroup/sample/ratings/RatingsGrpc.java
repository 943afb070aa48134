package io.github.errgroup.sample.ratings;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import io.grpc.MethodDescriptor;

/**
 * The ratings service's one gRPC method, {@code sample.Ratings/Get}: a product id in, its rating out,
 * both plain UTF-8 text. Written by hand with grpc-java's own types, so the sample builds with nothing
 * but a JDK and Maven (no protoc, no generated stubs); a real service would generate this from a
 * {@code .proto} file.
 */
public final class RatingsGrpc {

	/** The service's name. */
	public static final String SERVICE = "sample.Ratings";

	/** Text as UTF-8 bytes. */
	static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {

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

	/** {@code sample.Ratings/Get}: the rating of a product. */
	public static final MethodDescriptor<String, String> GET = MethodDescriptor.<String, String>newBuilder()
		.setType(MethodDescriptor.MethodType.UNARY)
		.setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Get"))
		.setRequestMarshaller(TEXT)
		.setResponseMarshaller(TEXT)
		.build();

	private RatingsGrpc() {
	}

}
