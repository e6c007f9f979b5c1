import Hummingbird

extension Response {
    /// A short `text/plain` answer (a reason, `stored`, `ok`), with a newline.
    static func plainText(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    /// 401 with the challenge a client answers with `HTTPCredentials` (Basic, or a Bearer token).
    static var credentialsRequired: Response {
        plainText(.unauthorized, "credentials required", headers: [.wwwAuthenticate: "Basic realm=\"tollguard\""])
    }
}
