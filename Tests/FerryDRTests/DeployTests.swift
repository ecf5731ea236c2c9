import Foundation
import Testing
import FerryDR

/// Checks of `deploy/`: the CloudFormation template passes cfn-lint, its IAM policy allows every AWS
/// operation Ferry's clients send (and nothing else), and the compose and Kubernetes files parse and keep
/// the properties the deployment relies on.
///
/// The tools come from `scripts/install-deps` (cfn-lint, python3 with PyYAML). Without them a test is
/// skipped with the reason, except under `CI=true`, where a missing tool fails it.
@Suite struct DeployTests {
    static let root = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let deploy = root.appending(path: "deploy")
    static let template = deploy.appending(path: "cloudformation/ferry.yaml")

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let cfnLint = executable(named: "cfn-lint")
    static let pythonWithYAML: String? = executable(named: "python3").flatMap { python in
        (try? run(python, ["-c", "import yaml"]).status) == 0 ? python : nil
    }

    // MARK: - cfn-lint

    @Test(.enabled(if: cfnLint != nil || isCI, "cfn-lint is not on PATH (scripts/install-deps installs it); skipped outside CI"))
    func theTemplatesPassCfnLint() throws {
        let lint = try #require(Self.cfnLint, "cfn-lint is not on PATH and CI=true: run scripts/install-deps")
        let templates = try FileManager.default
            .contentsOfDirectory(at: Self.deploy.appending(path: "cloudformation"), includingPropertiesForKeys: nil)
            .filter { ["yaml", "yml", "json"].contains($0.pathExtension) }
            .map(\.path).sorted()
        #expect(templates.contains(Self.template.path))
        let result = try Self.run(lint, templates)
        #expect(result.status == 0, "cfn-lint \(templates.joined(separator: " ")):\n\(result.output)\(result.errors)")
    }

    // MARK: - The IAM policy and the operations Ferry calls

    /// Operations in `Sources/FerryAWS` that Ferry's workers and commands never send under the role the
    /// template creates, with the reason. Everything else the clients can send must be allowed.
    static let notForTheWorkerRole: [String: String] = [
        "kms:CreateKey": "tests and the demo create a DR key on moto; in AWS the template creates it",
        "sns:CreateTopic": "tests and the demo create the alert topic on moto; in AWS the template creates it",
        "rds:CreateDBCluster": "tests create Aurora source clusters; a restore uses RestoreDBClusterFromSnapshot",
        "sts:AssumeRole": "the credential chain assuming a profile's role_arn: allowed by the source identity's policy and the target's trust policy, not by this role",
        "sts:AssumeRoleWithWebIdentity": "the credential chain's web identity (IRSA): unsigned, allowed by the role's trust policy (WorkerRole)",
    ]

    /// Actions KMS checks when RDS uses a key on the caller's behalf (cross-region copies of encrypted
    /// snapshots, restores): Ferry never calls them itself, the policy allows them through RDS only.
    static let usedThroughRDS: Set<String> = [
        "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
    ]

    /// The IAM service prefix of the operations a client file sends: the operation names are the same.
    static func service(ofClientFile name: String) -> String? {
        for (prefix, service) in [("RDSClient", "rds"), ("SNSClient", "sns"), ("STSClient", "sts"), ("KMSClient", "kms")]
        where name.hasPrefix(prefix) { return service }
        return nil
    }

    /// `service:Operation` for every `query.call("Op"`, `query.paginate("Op"` (Query API: RDS, SNS, STS)
    /// and `json.call("Op"` (JSON 1.1: KMS, sent as `X-Amz-Target: TrentService.Op`) in Sources/FerryAWS.
    static func operationsFerryAWSSends() throws -> [String: String] {
        let folder = root.appending(path: "Sources/FerryAWS")
        let pattern = try Regex(#"\b(?:query|json)\.(?:call|paginate)\(\s*"([A-Za-z0-9]+)""#)
        var operations: [String: String] = [:]  // operation -> the file it was found in
        for file in try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        where file.pathExtension == "swift" {
            let source = try String(contentsOf: file, encoding: .utf8)
            let names = source.matches(of: pattern).map { String($0.output[1].substring!) }
            guard !names.isEmpty else { continue }
            guard let service = service(ofClientFile: file.lastPathComponent) else {
                Issue.record("\(file.lastPathComponent) sends AWS operations but maps to no IAM service: extend DeployTests.service(ofClientFile:)")
                continue
            }
            if service == "kms" {
                #expect(source.contains(#"targetPrefix: "TrentService""#), "KMS operations are expected as TrentService.<Operation>")
            }
            for name in names { operations["\(service):\(name)"] = file.lastPathComponent }
        }
        return operations
    }

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func theWorkerPolicyAllowsExactlyWhatFerryCalls() throws {
        let operations = try Self.operationsFerryAWSSends()
        // Guards against the pattern silently matching nothing after a refactoring.
        for known in ["rds:CreateDBSnapshot", "rds:DescribeDBSnapshots", "rds:CopyDBClusterSnapshot", "kms:DescribeKey",
                      "sns:Publish", "sts:GetCallerIdentity"] {
            #expect(operations[known] != nil, "\(known) was not found in Sources/FerryAWS: is the call pattern still query/json.call?")
        }
        for excluded in Self.notForTheWorkerRole.keys.sorted() {
            #expect(operations[excluded] != nil, "\(excluded) is no longer sent by Sources/FerryAWS: drop it from notForTheWorkerRole")
        }

        let statements = try Self.policyStatements()
        let allowed = statements.filter { $0.effect == "Allow" }.flatMap(\.actions)
        let needed = Set(operations.keys).subtracting(Self.notForTheWorkerRole.keys)
        for operation in needed.sorted() {
            #expect(allowed.contains { Self.action($0, matches: operation) },
                    "\(operation) (sent by \(operations[operation]!)) is not allowed by WorkerPolicy in deploy/cloudformation/ferry.yaml")
        }
        let extra = Set(allowed).subtracting(needed).subtracting(Self.usedThroughRDS)
        #expect(extra.isEmpty, "WorkerPolicy allows actions Ferry does not call: \(extra.sorted())")
        #expect(!allowed.contains { $0.contains("*") && !Self.usedThroughRDS.contains($0) }, "no wildcard actions besides KMS's through RDS")

        // Deletes only of what Ferry made.
        let managedTag = "aws:ResourceTag/\(FerryTags.managed)"
        for statement in statements where statement.actions.contains(where: { $0.hasPrefix("rds:Delete") }) {
            #expect(statement.effect == "Allow")
            let equals = (statement.condition["StringEquals"] as? [String: Any]) ?? [:]
            #expect(equals[managedTag] as? String == FerryTags.managedValue,
                    "statement \(statement.sid) deletes without the condition \(managedTag) = \(FerryTags.managedValue)")
        }
        #expect(allowed.filter { $0.hasPrefix("rds:Delete") }.count == 4)
        // KMS use other than DescribeKey only through RDS.
        for statement in statements where statement.actions.contains(where: Self.usedThroughRDS.contains) {
            let equals = (statement.condition["StringEquals"] as? [String: Any]) ?? [:]
            #expect(equals["kms:ViaService"] != nil, "statement \(statement.sid) uses KMS keys without kms:ViaService")
        }
    }

    @Test func theExcludedOperationsStayOutOfFerrysCommandsAndActions() throws {
        // Test-only client methods: the DR actions and the CLI must not start using them unnoticed.
        let methods = ["createKey(", "createTopic(", "createDBCluster("]
        for folder in ["Sources/FerryDR", "Sources/ferry", "Sources/FerryEngine"] {
            let enumerator = FileManager.default.enumerator(at: Self.root.appending(path: folder), includingPropertiesForKeys: nil)
            while let file = enumerator?.nextObject() as? URL {
                guard file.pathExtension == "swift" else { continue }
                let source = try String(contentsOf: file, encoding: .utf8)
                for method in methods {
                    #expect(!source.contains(".\(method)"),
                            "\(folder)/\(file.lastPathComponent) calls \(method)…): allow it in the template and drop it from DeployTests.notForTheWorkerRole")
                }
            }
        }
    }

    @Test func actionPatterns() {
        #expect(Self.action("rds:CopyDBSnapshot", matches: "rds:CopyDBSnapshot"))
        #expect(Self.action("RDS:copydbsnapshot", matches: "rds:CopyDBSnapshot"))
        #expect(Self.action("kms:GenerateDataKey*", matches: "kms:GenerateDataKeyWithoutPlaintext"))
        #expect(!Self.action("rds:CopyDBSnapshot", matches: "rds:CopyDBClusterSnapshot"))
        #expect(!Self.action("rds:Describe*", matches: "kms:DescribeKey"))
    }

    /// IAM action matching: case-insensitive, `*` and `?` wildcards.
    static func action(_ pattern: String, matches action: String) -> Bool {
        func match(_ p: Substring, _ a: Substring) -> Bool {
            guard let first = p.first else { return a.isEmpty }
            if first == "*" { return a.indices.contains { match(p.dropFirst(), a[$0...]) } || match(p.dropFirst(), a[a.endIndex...]) }
            guard let head = a.first, first == "?" || first == head else { return false }
            return match(p.dropFirst(), a.dropFirst())
        }
        return match(Substring(pattern.lowercased()), Substring(action.lowercased()))
    }

    struct Statement {
        var sid: String
        var effect: String
        var actions: [String]
        var condition: [String: Any]
    }

    /// The statements of the template's AWS::IAM::ManagedPolicy, read with PyYAML (CloudFormation's
    /// short-form tags such as !Sub become {"Fn::Sub": …}).
    static func policyStatements() throws -> [Statement] {
        let json = try pythonJSON(Self.yamlLoader + #"""
            template = load(sys.argv[1])[0]
            policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
            assert len(policies) == 1, f"expected one AWS::IAM::ManagedPolicy, found {len(policies)}"
            statements = policies[0]["Properties"]["PolicyDocument"]["Statement"]
            print(json.dumps([{
                "sid": s.get("Sid", "?"), "effect": s["Effect"],
                "actions": s["Action"] if isinstance(s["Action"], list) else [s["Action"]],
                "condition": s.get("Condition", {}),
            } for s in statements]))
            """#, [template.path])
        let list = try #require(json as? [[String: Any]])
        return list.map {
            Statement(sid: $0["sid"] as? String ?? "?", effect: $0["effect"] as? String ?? "",
                      actions: $0["actions"] as? [String] ?? [], condition: $0["condition"] as? [String: Any] ?? [:])
        }
    }

    // MARK: - compose and Kubernetes

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func everyDeployFileParses() throws {
        let documents = try Self.deployDocuments()
        #expect(documents.keys.contains("compose.yaml"))
        #expect(documents.keys.contains("cloudformation/ferry.yaml"))
        #expect(documents.keys.contains { $0.hasPrefix("kubernetes/") })
        for (file, docs) in documents { #expect(!docs.isEmpty, "\(file) holds no document") }
    }

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func composeRunsPostgresAMigrationAndTwoWorkers() throws {
        let compose = try #require(try Self.deployDocuments()["compose.yaml"]?.first as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        #expect(Set(services.keys) == ["postgres", "migrate", "worker"])
        let worker = try #require(services["worker"] as? [String: Any])
        #expect((worker["deploy"] as? [String: Any])?["replicas"] as? Int == 2)
        #expect(worker["command"] as? [String] == ["worker", "--concurrency", "4"])
        let dependsOn = worker["depends_on"] as? [String: Any]
        #expect((dependsOn?["migrate"] as? [String: Any])?["condition"] as? String == "service_completed_successfully")
        #expect((services["migrate"] as? [String: Any])?["command"] as? [String] == ["migrate"])
        #expect(!"\(compose)".contains("PGPASSWORD"), "the PostgreSQL password goes through a secret and a PGPASSFILE")
    }

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func theKubernetesManifestsKeepWorkersSafe() throws {
        let documents = try Self.deployDocuments()
        var byKind: [String: [String: Any]] = [:]
        for (file, docs) in documents where file.hasPrefix("kubernetes/") && file != "kubernetes/kustomization.yaml" {
            for case let doc as [String: Any] in docs {
                let kind = try #require(doc["kind"] as? String, "\(file): a document without kind")
                let metadata = doc["metadata"] as? [String: Any]
                #expect(doc["apiVersion"] is String, "\(file): \(kind) without apiVersion")
                #expect(metadata?["name"] is String, "\(file): \(kind) without metadata.name")
                #expect(metadata?["namespace"] == nil, "\(file): \(kind) names a namespace; the manifests are namespace-agnostic")
                byKind[kind] = doc
            }
        }
        #expect(Set(byKind.keys) == ["ServiceAccount", "ConfigMap", "Job", "Deployment", "PodDisruptionBudget"])

        let deployment = try #require(byKind["Deployment"])
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 2)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect((pod["terminationGracePeriodSeconds"] as? Int ?? 0) >= 300, "a worker needs time to finish its step")
        #expect((pod["securityContext"] as? [String: Any])?["runAsNonRoot"] as? Bool == true)
        for case let container as [String: Any] in pod["containers"] as? [Any] ?? [] {
            #expect(container["livenessProbe"] == nil, "a liveness probe would kill a worker mid-step")
            #expect((container["securityContext"] as? [String: Any])?["readOnlyRootFilesystem"] as? Bool == true)
            #expect((container["resources"] as? [String: Any])?["requests"] != nil)
        }

        // The configuration shipped in the ConfigMap is a valid Ferry configuration.
        let data = try #require((byKind["ConfigMap"])?["data"] as? [String: String])
        let file = FileManager.default.temporaryDirectory.appending(path: "ferry-configmap-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try #require(data["ferry.yaml"]).write(to: file, atomically: true, encoding: .utf8)
        let config = try FerryConfig.load(path: file.path)
        #expect(config.drKMSKey == .alias("alias/ferry-dr"), "the alias the CloudFormation template creates")
    }

    /// Every YAML and JSON file under deploy/, relative path → its documents.
    static func deployDocuments() throws -> [String: [Any]] {
        let json = try pythonJSON(Self.yamlLoader + #"""
            import pathlib
            base = pathlib.Path(sys.argv[1])
            out = {}
            for path in sorted(base.rglob("*")):
                if path.suffix in (".yaml", ".yml", ".json") and "secrets" not in path.parts:
                    try:
                        out[str(path.relative_to(base))] = load(str(path))
                    except Exception as error:
                        sys.exit(f"{path}: {error}")
            print(json.dumps(out))
            """#, [deploy.path])
        return try #require(json as? [String: [Any]])
    }

    /// A PyYAML loader that reads CloudFormation's short-form tags (`!Sub x` → `{"Fn::Sub": x}`) and
    /// plain YAML alike; `load(path)` returns the file's documents.
    static let yamlLoader = #"""
        import json, sys, yaml
        class Loader(yaml.SafeLoader):
            pass
        def tagged(loader, suffix, node):
            name = "Ref" if suffix == "Ref" else "Fn::" + suffix
            if isinstance(node, yaml.ScalarNode):
                value = loader.construct_scalar(node)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}
        Loader.add_multi_constructor("!", tagged)
        def load(path):
            with open(path, encoding="utf-8") as f:
                return [d for d in yaml.load_all(f, Loader=Loader) if d is not None]

        """#

    // MARK: - Processes

    static func pythonJSON(_ script: String, _ arguments: [String]) throws -> Any {
        let python = try #require(pythonWithYAML, "python3 with PyYAML is needed and CI=true: run scripts/install-deps")
        let result = try run(python, ["-c", script] + arguments)
        try #require(result.status == 0, "python3 failed:\n\(result.errors)")
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8))
    }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program in the repository root; stdout through a pipe, stderr through a file (no deadlock).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let errorsFile = FileManager.default.temporaryDirectory.appending(path: "ferry-deploytests-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsFile) }
        let errors = try FileHandle(forWritingTo: errorsFile)
        defer { try? errors.close() }
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self),
                (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? "")
    }
}
