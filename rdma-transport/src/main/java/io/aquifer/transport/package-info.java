/**
 * Transport for the parallel-file protocol: framed request/response messages between nodes over TCP
 * (Netty) or, later, RDMA verbs (DiSNI). Knows nothing about storage, objects or files.
 *
 * <p>Entry point: {@link io.aquifer.transport.Transports#open} with a {@link
 * io.aquifer.transport.TransportConfig}, giving a {@link io.aquifer.transport.Transport} that
 * listens with a {@link io.aquifer.transport.RequestHandler} and connects to give a {@link
 * io.aquifer.transport.Connection}. Outcomes are values: {@link io.aquifer.transport.Response} is
 * either {@link io.aquifer.transport.Response.Ok} or one of the {@link
 * io.aquifer.transport.TransportError} cases.
 *
 * <p>Buffer ownership: every method that takes a {@code ByteBuf} consumes it (the transport
 * releases it once written or on failure); every buffer the transport hands out ({@link
 * io.aquifer.transport.Message}, a stream chunk) is owned by the receiver, who releases it. The
 * wire format is in {@code docs/pfs-protocol.md}.
 */
package io.aquifer.transport;
