import Foundation
import Synchronization

/// The workflow definitions a process knows: the current ones from `workflows/`, by name, and every
/// version a run was started under, by hash (read back from the database when a run needs one that is no
/// longer on disk).
public final class WorkflowCatalog: Sendable {
    /// The workflows this process can run: what each definition is checked against, and the code of its steps.
    public let contracts: WorkflowContracts
    private let current: [String: WorkflowDefinition]
    private let versions: Mutex<[String: WorkflowDefinition]>

    public init(definitions: [WorkflowDefinition], contracts: WorkflowContracts) {
        self.contracts = contracts
        current = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        versions = Mutex(Dictionary(definitions.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Loads every `*.yaml` in `directory`; all problems in all files are reported together.
    public static func load(directory: String, contracts: WorkflowContracts) throws -> WorkflowCatalog {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw YAMLProblems(problems: [YAMLProblem(file: directory, line: nil, path: "", message: "cannot list the workflows directory")])
        }
        var definitions: [WorkflowDefinition] = []
        var problems: [YAMLProblem] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            do {
                let definition = try WorkflowDefinition.load(path: path, contracts: contracts)
                if definitions.contains(where: { $0.name == definition.name }) {
                    problems.append(YAMLProblem(file: path, line: nil, path: "name", message: "another file already defines workflow \"\(definition.name)\""))
                }
                definitions.append(definition)
            } catch let error as YAMLProblems {
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw YAMLProblems(problems: problems) }
        return WorkflowCatalog(definitions: definitions, contracts: contracts)
    }

    public var names: [String] { current.keys.sorted() }

    /// The current definition of a workflow, for starting runs.
    public func definition(named name: String) -> WorkflowDefinition? {
        current[name]
    }

    /// The definition a run started under; read from the store if this process has not seen it.
    public func definition(version: String, store: RunStore) throws -> WorkflowDefinition {
        if let known = versions.withLock({ $0[version] }) { return known }
        guard let source = try store.definitionSource(version: version) else {
            throw StepFailure.terminal("workflow definition version \(version) is not in the database")
        }
        let definition = try WorkflowDefinition.parse(source: source, file: "definition \(version.prefix(12))", contracts: contracts, recorded: true)
        versions.withLock { $0[version] = definition }
        return definition
    }

    /// Records every current definition, so runs can be started and finished from any process.
    public func register(in store: RunStore) throws {
        for definition in current.values { try store.register(definition) }
    }
}
