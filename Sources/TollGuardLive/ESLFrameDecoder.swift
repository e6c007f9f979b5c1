import NIOCore
import TollGuardCore

/// Frames an event-socket byte stream with ``ESLFrameParser``; damaged bytes are dropped and
/// reported through `onSkip`, so one bad frame never ends the connection.
package struct ESLFrameDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = ESLFrame

    private let onSkip: @Sendable (String) -> Void

    package init(onSkip: @escaping @Sendable (String) -> Void = { _ in }) { self.onSkip = onSkip }

    package mutating func decode(buffer: inout ByteBuffer) throws -> ESLFrame? {
        while buffer.readableBytes > 0 {
            let step = buffer.withUnsafeReadableBytes { ESLFrameParser.parse($0) }
            switch step {
            case .frame(let frame, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return frame
            case .skipped(let consumed, let reason):
                buffer.moveReaderIndex(forwardBy: consumed)
                onSkip(reason)
            case .needMoreData(let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return nil
            }
        }
        return nil
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ESLFrame? {
        try decode(buffer: &buffer)
    }
}
