/// GET /health.
struct HealthStatus: Encodable {
    var status = "ok"
}
