import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program started with `posix_spawn` — argv as given, no shell, the given environment — with
/// its standard input and output (stderr joined) on pipes.
///
/// Everything after the spawn runs on
/// the caller's thread with `poll` and `waitpid`, so a busy Dispatch pool can never delay
/// noticing that the program ended or timed out.
struct ChildProcess {
    /// How the program ended.
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Did not end within the timeout; its process group stopped with SIGTERM, then SIGKILL.
        case timedOut
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `path`, writes `input` to its standard input, keeps the first `outputLimit` bytes of
    /// its output, and waits at most `timeout` for it to end.
    static func run(
        path: String, arguments: [String], environment: [String: String], input: Data, timeout: Duration,
        outputLimit: Int
    ) throws(SpawnError) -> (ending: Ending, output: String) {
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        guard pipe(&inputPipe) == 0 else { throw SpawnError(description: "pipe: \(errnoText())") }
        guard pipe(&outputPipe) == 0 else {
            close(inputPipe[0])
            close(inputPipe[1])
            throw SpawnError(description: "pipe: \(errnoText())")
        }
        // Other programs TollGuard starts must not inherit these ends.
        for descriptor in inputPipe + outputPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // TollGuard ignores SIGPIPE; the program gets the default behaviour back.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own: a timeout ends the program and everything it started.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        var spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        // "Text file busy": a script just written, whose descriptor another thread's fork still
        // holds for a moment. It passes; try again shortly.
        for attempt in 1...5 where spawned == ETXTBSY {
            usleep(UInt32(20_000 * attempt))
            spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
        close(inputPipe[0])
        close(outputPipe[1])
        guard spawned == 0 else {
            close(inputPipe[1])
            close(outputPipe[0])
            throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        let prefix = OutputPrefix(limit: outputLimit)
        let ending = pump(
            pid: pid, input: input, inputFD: inputPipe[1], outputFD: outputPipe[0], prefix: prefix, timeout: timeout)
        return (ending, prefix.text)
    }

    /// Feeds the input, drains the output and watches the program until it ends (or is stopped)
    /// and its output is closed — or, when a background child keeps the output open, a second later.
    private static func pump(
        pid: pid_t, input: Data, inputFD: Int32, outputFD: Int32, prefix: OutputPrefix, timeout: Duration
    ) -> Ending {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var writeFD: Int32 = input.isEmpty ? -1 : inputFD
        if writeFD < 0 { close(inputFD) }
        var readFD: Int32 = outputFD
        var written = 0
        var ending: Ending?
        var endedAt: ContinuousClock.Instant?
        var terminatedAt: ContinuousClock.Instant?
        _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(outputFD, F_SETFL, fcntl(outputFD, F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            if ending == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    let signal = status & 0x7f
                    ending =
                        terminatedAt != nil
                        ? .timedOut : (signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal))
                    endedAt = clock.now
                } else if terminatedAt == nil, clock.now >= deadline {
                    kill(-pid, SIGTERM)
                    terminatedAt = clock.now
                } else if let terminatedAt, clock.now - terminatedAt > .seconds(2) {
                    kill(-pid, SIGKILL)
                }
            }
            if let endedAt, readFD < 0 || clock.now - endedAt > .seconds(1) { break }
            var fds: [pollfd] = []
            if readFD >= 0 { fds.append(pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)) }
            if writeFD >= 0 { fds.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            if fds.isEmpty {
                usleep(10_000)
                continue
            }
            _ = poll(&fds, nfds_t(fds.count), 10)
            for descriptor in fds where descriptor.revents != 0 {
                if descriptor.fd == readFD {
                    let count = read(readFD, &buffer, buffer.count)
                    if count > 0 {
                        prefix.append(buffer[0..<count])
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(readFD)
                        readFD = -1
                    }
                } else if descriptor.fd == writeFD {
                    let count = input.withUnsafeBytes { bytes in
                        write(writeFD, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                    }
                    if count > 0 { written += count }
                    if written >= input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeFD)
                        writeFD = -1
                    }
                }
            }
        }
        // Timed out: whatever the program started and left running (a `sleep 600` child) goes too.
        if terminatedAt != nil { kill(-pid, SIGKILL) }
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
        return ending ?? .timedOut
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
