/// The lifecycle of a run, as stored in `ferry.runs.status`.
public enum RunStatus: String, Sendable, CaseIterable, Codable {
    case pending, running, waiting, succeeded, failed, cancelled

    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// What an operator may do to a run in this status.
    public var operatorActions: Set<OperatorAction> {
        switch self {
        case .pending, .waiting, .running: [.cancel]
        case .failed, .cancelled: [.resume]
        case .succeeded: []
        }
    }
}

public enum OperatorAction: String, Sendable {
    case cancel, resume
}
