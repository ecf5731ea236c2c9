import FerryEngine
import Foundation
import Testing
@testable import FerryDR

/// The workflows as declared in Swift, and everything outside Swift that names their steps: the workflow
/// files, and the SQL of the audit views, the catalog's trigger and the status queries.
struct WorkflowContractTests {
    static let root = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every shipped workflow file fits its contract, and every DR contract has its file.
    @Test func theWorkflowFilesFitTheContracts() throws {
        let contracts = DRWorkflows.declared
        let catalog = try WorkflowCatalog.load(directory: Self.root.appending(path: "workflows").path, contracts: contracts)
        #expect(catalog.names == contracts.names)
        for name in contracts.names {
            let contract = try #require(contracts[name])
            let definition = try #require(catalog.definition(named: name))
            #expect(definition.steps.map(\.name) == contract.steps.map(\.name))
            #expect(Set(definition.compensation.map(\.step.name)) == Set(contract.compensation.map(\.name)))
        }
    }

    /// SQL cannot read the Swift declarations, so every workflow and step it names (`workflow = '…'`,
    /// `step_name = '…'`) is checked here against them: renaming a step in Swift without the SQL fails.
    @Test func everyStepTheSQLNamesIsDeclared() throws {
        let contracts = DRWorkflows.declared
        let declared = Set(contracts.names.flatMap { name in
            (contracts[name]!.steps + contracts[name]!.compensation).map(\.name)
        })
        let sqlFiles = FileManager.default.enumerator(at: Self.root.appending(path: "sql"), includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "sql" }
        #expect(!sqlFiles.isEmpty)
        var stepsNamed: Set<String> = []
        var workflowsNamed: Set<String> = []
        for file in sqlFiles {
            let sql = try String(contentsOf: file, encoding: .utf8)
            for match in sql.matches(of: /step_name\s*=\s*'([^']*)'/) { stepsNamed.insert(String(match.1)) }
            for match in sql.matches(of: /workflow\s*=\s*'([^']*)'/) { workflowsNamed.insert(String(match.1)) }
        }
        #expect(stepsNamed.isSuperset(of: [BackupCycle.awaitSnapshot.name, BackupCycle.awaitCopy.name, BackupCycle.cleanup.name]),
                "the audit views read these steps' checkpoints")
        #expect(stepsNamed.subtracting(declared).isEmpty, "SQL names steps no workflow declares: \(stepsNamed.subtracting(declared).sorted())")
        #expect(workflowsNamed.subtracting(contracts.names).isEmpty, "SQL names workflows this ferry does not declare: \(workflowsNamed.subtracting(contracts.names).sorted())")
    }

    /// Swift code names steps through their `StepKey`s and workflows through their contracts, never as
    /// literals in SQL.
    @Test func noSwiftQueryNamesAStepByItsText() throws {
        let sources = Self.root.appending(path: "Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 50)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let namesALiteral = text.contains(/(step_name|workflow)\s*=\s*'/)
            #expect(!namesALiteral, "\(file.lastPathComponent) names a step or workflow as a SQL literal")
        }
    }
}
