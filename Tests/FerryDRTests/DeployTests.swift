import Foundation
import Testing
import FerryDR
import FerryAWS

/// Checks of `deploy/`: the CloudFormation template passes cfn-lint, its IAM policy scopes tagging, deletes
/// and regions (WorkerPolicyTests compares its actions with the calls Ferry makes), the role, key and alert topic Ferry runs with are
/// created by the DR region's stack (never the primary region's), and the compose and Kubernetes files parse
/// and keep the properties the deployment relies on.
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

    // MARK: - The IAM policy: scoping (the actions are compared with Ferry's calls in WorkerPolicyTests)

    /// Actions KMS checks when RDS uses a key on the caller's behalf (cross-region copies of encrypted
    /// snapshots, restores): Ferry never calls KMS itself, the policy allows them through RDS only.
    static let usedThroughRDS: Set<String> = [
        "kms:CreateGrant", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
    ]

    /// What moto cannot check (it evaluates actions against `*` and skips conditions), read from the
    /// template: tagging only on create and never of what already carries a run id, ferry:managed only on
    /// snapshots and drills, deletes only of what carries it, each create, copy and restore in its region.
    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func thePolicyScopesTaggingDeletesAndRegions() throws {
        let statements = try Self.policyStatements()
        func only(_ sid: String) throws -> Statement {
            let matching = statements.filter { $0.sid == sid }
            #expect(matching.count == 1, "one statement \(sid)")
            return try #require(matching.first)
        }
        func conditionValue(_ statement: Statement, _ operator: String, _ key: String) -> Any? {
            (statement.condition[`operator`] as? [String: Any])?[key]
        }
        // Tagging: Ferry never calls AddTagsToResource; RDS checks it for the tags of a create, copy or restore.
        for statement in statements where statement.effect == "Allow" && statement.actions.contains(where: { Self.action($0, matches: "rds:AddTagsToResource") }) {
            #expect(statement.actions == ["rds:AddTagsToResource"], "\(statement.sid) allows tagging with nothing else")
            #expect(conditionValue(statement, "Null", "aws:RequestTag/\(FerryTags.runID)") as? String == "false",
                    "\(statement.sid) tags only in requests that carry \(FerryTags.runID), as Ferry's creates do")
            #expect(!statement.resources.contains("*"))
        }
        let retag = try only("NeverRetagWhatCarriesARunId")
        #expect(retag.effect == "Deny" && retag.actions == ["rds:AddTagsToResource"] && retag.resources == ["*"])
        #expect(conditionValue(retag, "Null", "aws:ResourceTag/\(FerryTags.runID)") as? String == "false")
        let managed = try only("ManagedTagOnlyOnSnapshotsAndDrills")
        #expect(managed.effect == "Deny" && managed.actions == ["rds:AddTagsToResource"] && managed.resources.isEmpty)
        #expect(conditionValue(managed, "Null", "aws:RequestTag/\(FerryTags.managed)") as? String == "false")
        #expect(managed.notResources.allSatisfy { $0.hasSuffix(":snapshot:*") || $0.hasSuffix(":cluster-snapshot:*") || $0.hasSuffix(":ferry-drill-*") },
                "ferry:managed only on snapshots and drills: \(managed.notResources)")

        // Deletes only of what carries ferry:managed=true.
        let managedTag = "aws:ResourceTag/\(FerryTags.managed)"
        for statement in statements where statement.actions.contains(where: { $0.hasPrefix("rds:Delete") }) {
            #expect(statement.effect == "Allow")
            #expect(conditionValue(statement, "StringEquals", managedTag) as? String == FerryTags.managedValue,
                    "statement \(statement.sid) deletes without the condition \(managedTag) = \(FerryTags.managedValue)")
        }

        // Each create, copy and restore in the region where it happens.
        func requestedRegion(_ statement: Statement) -> [String: String]? {
            conditionValue(statement, "StringEquals", "aws:RequestedRegion") as? [String: String]
        }
        for (sid, actions, region) in [
            ("SnapshotInThePrimaryRegion", ["rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot"], "PrimaryRegion"),
            ("CopyIntoTheDrRegion", ["rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot"], "DrRegion"),
            ("RestoreInTheDrRegion", ["rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterFromSnapshot", "rds:CreateDBInstance"], "DrRegion"),
        ] {
            let statement = try only(sid)
            #expect(Set(statement.actions) == Set(actions), "\(sid): \(statement.actions)")
            #expect(requestedRegion(statement) == ["Ref": region], "\(sid) is called in \(region) only")
            for action in actions {
                #expect(statements.filter { $0.effect == "Allow" && $0.actions.contains(action) }.map(\.sid) == [sid], "\(action) only in \(sid)")
            }
        }
        #expect(try only("SnapshotInThePrimaryRegion").resources.allSatisfy { $0.contains("${PrimaryRegion}") })
        #expect(try only("RestoreInTheDrRegion").resources.allSatisfy { $0.contains("${DrRegion}") })

        // The dead-man's switch publishes only in the namespace Ferry's workers use, in the DR region.
        let metrics = try only("DeadMansSwitchMetrics")
        #expect(metrics.effect == "Allow" && metrics.actions == ["cloudwatch:PutMetricData"])
        #expect(conditionValue(metrics, "StringEquals", "cloudwatch:namespace") as? String == RecoveryTelemetry.namespace)
        #expect(requestedRegion(metrics) == ["Ref": "DrRegion"])

        // KMS only through RDS.
        for statement in statements where statement.actions.contains(where: { $0.hasPrefix("kms:") }) {
            #expect(statement.actions.allSatisfy(Self.usedThroughRDS.contains), "\(statement.sid): \(statement.actions)")
            #expect(conditionValue(statement, "StringEquals", "kms:ViaService") != nil, "statement \(statement.sid) uses KMS keys without kms:ViaService")
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
        /// `Resource` and `NotResource`, each ARN as its !Sub template.
        var resources: [String]
        var notResources: [String]
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
            def listed(value):
                values = value if isinstance(value, list) else [] if value is None else [value]
                return [v["Fn::Sub"] if isinstance(v, dict) else v for v in values]
            print(json.dumps([{
                "sid": s.get("Sid", "?"), "effect": s["Effect"],
                "actions": s["Action"] if isinstance(s["Action"], list) else [s["Action"]],
                "resources": listed(s.get("Resource")), "not_resources": listed(s.get("NotResource")),
                "condition": s.get("Condition", {}),
            } for s in statements]))
            """#, [template.path])
        let list = try #require(json as? [[String: Any]])
        return list.map {
            Statement(sid: $0["sid"] as? String ?? "?", effect: $0["effect"] as? String ?? "",
                      actions: $0["actions"] as? [String] ?? [], resources: $0["resources"] as? [String] ?? [],
                      notResources: $0["not_resources"] as? [String] ?? [], condition: $0["condition"] as? [String: Any] ?? [:])
        }
    }

    // MARK: - Which stack creates what: Ferry does not depend on the primary region

    /// The regions of the examples in deploy/ (the ConfigMap, the README's commands).
    static let exampleRegions = ["PrimaryRegion": "us-east-1", "DrRegion": "us-west-2"]
    static let drClusterIssuer = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func theDrStackCreatesTheRoleFerryRunsAsAndTheKey() throws {
        let ec2 = try Self.stack(Self.exampleRegions.merging(["RegionRole": "dr"]) { $1 })
        #expect(ec2.failedRules.isEmpty, "\(ec2.failedRules)")
        for type in ["AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::KMS::Key",
                     "AWS::KMS::Alias", "AWS::SNS::Topic"] {
            #expect(ec2.count(of: type) == 1, "the DR stack creates one \(type): \(ec2.resources)")
        }
        #expect(ec2.count(of: "AWS::RDS::EventSubscription") == 4)
        #expect(ec2.trust.contains("ec2."), "without EksOidcProvider the role trusts EC2: \(ec2.trust)")
        #expect(!ec2.trust.contains("AssumeRoleWithWebIdentity"))
        #expect(ec2.outputs.isSuperset(of: ["RoleArn", "PolicyArn", "InstanceProfileName", "DrKmsKeyArn", "DrKmsKeyAlias", "AlertTopicArn"]))

        // IRSA for an EKS cluster in the DR region: the service account's web identity, no instance profile.
        let eks = try Self.stack(Self.exampleRegions.merging(["RegionRole": "dr", "EksOidcProvider": Self.drClusterIssuer]) { $1 })
        #expect(eks.failedRules.isEmpty, "\(eks.failedRules)")
        #expect(eks.count(of: "AWS::IAM::Role") == 1)
        #expect(eks.count(of: "AWS::IAM::InstanceProfile") == 0)
        #expect(!eks.outputs.contains("InstanceProfileName"))
        #expect(eks.trust.contains("sts:AssumeRoleWithWebIdentity"), "\(eks.trust)")
        #expect(eks.trust.contains("oidc-provider/${EksOidcProvider}") && eks.trust.contains("system:serviceaccount:${Subject}"),
                "the trust names the cluster's OIDC provider and the service account: \(eks.trust)")
        #expect(!eks.trust.contains("ec2."))
    }

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func thePrimaryStackCreatesOnlyWhatMustLiveInThePrimaryRegion() throws {
        let primary = try Self.stack(Self.exampleRegions.merging(["RegionRole": "primary"]) { $1 })
        #expect(primary.failedRules.isEmpty, "\(primary.failedRules)")
        let notThere = primary.resources.filter { $0.value.hasPrefix("AWS::IAM::") || $0.value.hasPrefix("AWS::KMS::") }
        #expect(notThere.isEmpty, "the primary stack creates no IAM or KMS resource (Ferry must not depend on it): \(notThere)")
        #expect(Set(primary.resources.values) == ["AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::RDS::EventSubscription"],
                "the primary stack: its alert topic and the primary region's RDS event subscriptions; \(primary.resources)")
        #expect(primary.count(of: "AWS::RDS::EventSubscription") == 4)
        #expect(primary.outputs == ["AlertTopicArn"])

        // An EKS cluster's trust (the old primary-stack parameters) is refused, not silently ignored.
        let withCluster = try Self.stack(Self.exampleRegions.merging(["RegionRole": "primary", "EksOidcProvider": Self.drClusterIssuer]) { $1 })
        #expect(withCluster.failedRules == ["OnlyTheDrStackCreatesTheRole"])
        let sameRegions = try Self.stack(["RegionRole": "dr", "PrimaryRegion": "us-west-2", "DrRegion": "us-west-2"])
        #expect(sameRegions.failedRules == ["RegionsDiffer"])
    }

    @Test(.enabled(if: pythonWithYAML != nil || isCI, "python3 with PyYAML is not available; skipped outside CI"))
    func theDrKeyNamesTheRoleOfItsOwnStackAndEveryParameterIsExplained() throws {
        let json = try Self.pythonJSON(Self.yamlLoader + #"""
            template = load(sys.argv[1])[0]
            resources = template["Resources"]
            key = resources["DrKey"]
            principals = []
            for s in key["Properties"]["KeyPolicy"]["Statement"]:
                principal = s["Principal"]["AWS"]
                if isinstance(principal, dict) and "Fn::GetAtt" in principal:
                    target = principal["Fn::GetAtt"]
                    principal = ".".join(target) if isinstance(target, list) else target
                elif isinstance(principal, dict):
                    principal = json.dumps(principal)
                principals.append({"sid": s.get("Sid", "?"), "principal": principal})
            print(json.dumps({
                "principals": principals,
                "key_condition": key.get("Condition"),
                "role_condition": resources["WorkerRole"].get("Condition"),
                "parameters": {name: p.get("Description", "") for name, p in template["Parameters"].items()},
            }))
            """#, [Self.template.path])
        let facts = try #require(json as? [String: Any])
        #expect(facts["key_condition"] as? String == facts["role_condition"] as? String, "the key and the role are of the same stack")
        let principals = try #require(facts["principals"] as? [[String: String]])
        let root = principals.filter { $0["principal"]?.contains(":root") == true }
        #expect(root.count == 1, "one statement lets the account administer the key and delegate through IAM")
        let ferry = principals.filter { $0["principal"]?.contains(":root") != true }
        #expect(ferry.count == 3)
        for statement in ferry {
            #expect(statement["principal"] == "WorkerRole.Arn",
                    "key policy statement \(statement["sid"] ?? "?") names \(statement["principal"] ?? "?"), not the stack's own WorkerRole")
        }
        let parameters = try #require(facts["parameters"] as? [String: String])
        #expect(parameters["FerryRoleArn"] == nil, "the DR stack creates the role; no stack passes its ARN in")
        for (name, description) in parameters.sorted(by: { $0.key < $1.key }) {
            #expect(description.count >= 20, "parameter \(name) is not explained")
        }
    }

    struct StackFacts {
        /// Logical id → type of the resources created.
        var resources: [String: String]
        var outputs: Set<String>
        /// The rules whose assertions fail (CloudFormation would refuse the parameters).
        var failedRules: [String]
        /// WorkerRole's trust policy with its `Fn::If` resolved, as text ("" without the role).
        var trust: String

        func count(of type: String) -> Int { resources.values.filter { $0 == type }.count }
    }

    /// What the template creates in a stack with these parameters (the others at their defaults):
    /// conditions, rules and `Fn::If` evaluated as CloudFormation does; other intrinsics left as they are.
    static func stack(_ parameters: [String: String]) throws -> StackFacts {
        let json = try pythonJSON(Self.yamlLoader + #"""
            template = load(sys.argv[1])[0]
            params = {name: p.get("Default") for name, p in template["Parameters"].items()}
            params.update(json.loads(sys.argv[2]))
            conditions = template.get("Conditions", {})
            def evaluate(value):
                if isinstance(value, dict) and len(value) == 1:
                    (name, arg), = value.items()
                    if name == "Ref" and arg in params: return params[arg]
                    if name == "Fn::Equals": return evaluate(arg[0]) == evaluate(arg[1])
                    if name == "Fn::Not": return not truth(arg[0])
                    if name == "Fn::And": return all(truth(a) for a in arg)
                    if name == "Fn::Or": return any(truth(a) for a in arg)
                    # "Condition: X" in Fn::And/Or/Not; the loader reads the short form !Condition X as Fn::Condition.
                    if name in ("Condition", "Fn::Condition"): return condition(arg)
                    if name == "Fn::If": return evaluate(arg[1] if condition(arg[0]) else arg[2])
                    return {name: evaluate(arg)}
                if isinstance(value, dict): return {k: evaluate(v) for k, v in value.items()}
                if isinstance(value, list): return [evaluate(v) for v in value]
                return value
            def truth(value):
                result = evaluate(value)
                assert isinstance(result, bool), f"not a condition: {value}"
                return result
            def condition(name):
                return truth(conditions[name])
            def created(entry):
                return "Condition" not in entry or condition(entry["Condition"])
            failed = [name for name, rule in template.get("Rules", {}).items()
                      if ("RuleCondition" not in rule or truth(rule["RuleCondition"]))
                      and not all(truth(a["Assert"]) for a in rule["Assertions"])]
            resources = {name: r["Type"] for name, r in template["Resources"].items() if created(r)}
            role = template["Resources"].get("WorkerRole")
            trust = json.dumps(evaluate(role["Properties"]["AssumeRolePolicyDocument"])) if role and created(role) else ""
            print(json.dumps({
                "resources": resources,
                "outputs": [name for name, o in template.get("Outputs", {}).items() if created(o)],
                "failed_rules": sorted(failed), "trust": trust,
            }))
            """#, [template.path, String(decoding: try JSONSerialization.data(withJSONObject: parameters), as: UTF8.self)])
        let facts = try #require(json as? [String: Any])
        return StackFacts(resources: facts["resources"] as? [String: String] ?? [:],
                          outputs: Set(facts["outputs"] as? [String] ?? []),
                          failedRules: facts["failed_rules"] as? [String] ?? [],
                          trust: facts["trust"] as? String ?? "")
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
        var workerRegions: [String] = []
        for case let container as [String: Any] in pod["containers"] as? [Any] ?? [] {
            for case let variable as [String: Any] in container["env"] as? [Any] ?? [] where variable["name"] as? String == "AWS_REGION" {
                workerRegions.append(variable["value"] as? String ?? "")
            }
            // Liveness only on /healthz (answered apart from the step threads): a busy worker or a PostgreSQL
            // outage must not get workers restarted mid-step. Readiness on /readyz, on the port the worker serves.
            let arguments = container["args"] as? [String] ?? []
            let port = arguments.firstIndex(of: "--http-port").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil }
            let namedPorts = (container["ports"] as? [[String: Any]] ?? []).filter { $0["containerPort"] as? Int == port }.compactMap { $0["name"] as? String }
            for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
                let get = (container[probe] as? [String: Any])?["httpGet"] as? [String: Any]
                #expect(get?["path"] as? String == path, "\(probe) must probe \(path)")
                #expect(get.map { ($0["port"] as? Int) == port || namedPorts.contains($0["port"] as? String ?? "") } == true,
                        "\(probe) must probe the port given to --http-port (\(port.map(String.init) ?? "none"))")
            }
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
        // Ferry works without the primary region: it alerts through the DR region's topic and asks STS (IRSA's
        // web identity) in the DR region.
        #expect(config.alertTopicARN.region == config.drRegion.name, "alert_topic_arn must be the DR region's topic")
        #expect(workerRegions == [config.drRegion.name], "the worker's AWS_REGION must be the DR region: \(workerRegions)")
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

    /// The prelude of every Python check: `load(path)` returns a file's documents, CloudFormation's short-form
    /// tags read into their long form (`cloudformation_yaml.py`, shared with `cloudwatch_check.py`).
    static let yamlLoader = """
        import json, sys
        sys.path.insert(0, \(String(reflecting: URL(fileURLWithPath: #filePath).deletingLastPathComponent().path)))
        from cloudformation_yaml import load

        """

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
