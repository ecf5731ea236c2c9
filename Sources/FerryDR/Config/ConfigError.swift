public import FerryEngine

/// Every problem found in a configuration file, each `file:line: path: message`, in file order.
/// Validation never stops at the first one.
public typealias ConfigError = YAMLProblems
