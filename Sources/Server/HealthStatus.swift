import Sampling

/// GET /health: llama.cpp's fields (its slots are our batch's samples) and the requests being answered.
struct HealthStatus: Encodable {
    var status = "ok"
    let slotsIdle: Int
    let slotsProcessing: Int
    let requestsProcessing: Int

    init(scheduler: BatchScheduler, requests: Int) {
        slotsProcessing = scheduler.samplesRunning
        slotsIdle = max(0, scheduler.slots - slotsProcessing)
        requestsProcessing = requests
    }

    enum CodingKeys: String, CodingKey {
        case status, slotsIdle = "slots_idle", slotsProcessing = "slots_processing", requestsProcessing = "requests_processing"
    }
}
