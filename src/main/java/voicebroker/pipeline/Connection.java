package voicebroker.pipeline;

import java.net.InetSocketAddress;

/** The two ends of the TCP connection a request came in on: who called ({@code remote}) and where ({@code local}). */
public record Connection(InetSocketAddress remote, InetSocketAddress local) {
}
