import NIOCore
import ServiceLifecycle

/// Serves until `channel` closes, closing it at graceful shutdown or when the task is cancelled.
/// A future's `get()` does not end on cancellation: a service waiting on `closeFuture` alone
/// kept the whole group from finishing when another service failed (the group cancels, it does
/// not shut down gracefully), and remitd hung instead of exiting.
func serve(until channel: any Channel) async {
    await withGracefulShutdownHandler {
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    } onGracefulShutdown: {
        channel.close(promise: nil)
    }
}

/// A listener that could not bind, named by its configuration key and address, so that the
/// daemon's last line says which port is taken ("admin.listen 127.0.0.1:7480: … Address already
/// in use").
struct ListenFailure: Error, CustomStringConvertible {
    let key: String
    let address: String
    let underlying: any Error

    var description: String { "\(key) \(address): \(underlying)" }
}
