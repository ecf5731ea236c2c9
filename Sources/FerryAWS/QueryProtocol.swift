import Foundation

/// Parameters of a Query-API call, serialised with botocore's member names (`Tags.Tag.1.Key`).
struct QueryParameters {
    private(set) var pairs: [(String, String)] = []

    mutating func set(_ name: String, _ value: String?) {
        if let value { pairs.append((name, value)) }
    }

    mutating func set(_ name: String, _ value: Int?) { set(name, value.map(String.init)) }

    mutating func set(_ name: String, _ value: Bool?) { set(name, value.map { $0 ? "true" : "false" }) }

    /// As botocore writes a double: `0.5`, `8.0`.
    mutating func set(_ name: String, _ value: Double?) { set(name, value.map { "\($0)" }) }

    /// A Serverless v2 capacity range under `name` (`Name.MinCapacity`, `Name.MaxCapacity`), if any.
    mutating func set(_ name: String, _ value: ServerlessV2Scaling?) {
        set("\(name).MinCapacity", value?.minCapacity)
        set("\(name).MaxCapacity", value?.maxCapacity)
    }

    /// `Name.Member.1`, `Name.Member.2`, …
    mutating func list(_ name: String, member: String, _ values: [String]?) {
        for (index, value) in (values ?? []).enumerated() { pairs.append(("\(name).\(member).\(index + 1)", value)) }
    }

    /// `Tags.Tag.N.Key` / `Tags.Tag.N.Value`, sorted by key so a request is reproducible.
    mutating func tags(_ tags: [String: String]?, name: String = "Tags") {
        for (index, key) in (tags ?? [:]).keys.sorted().enumerated() {
            pairs.append(("\(name).Tag.\(index + 1).Key", key))
            pairs.append(("\(name).Tag.\(index + 1).Value", tags![key]!))
        }
    }

    /// `Filters.Filter.N.Name` and `Filters.Filter.N.Values.Value.M`.
    mutating func filters(_ filters: [RDSFilter]) {
        for (index, filter) in filters.enumerated() {
            pairs.append(("Filters.Filter.\(index + 1).Name", filter.name))
            list("Filters.Filter.\(index + 1).Values", member: "Value", filter.values)
        }
    }
}

/// The AWS Query protocol (RDS, SNS, STS): form-encoded POST, XML answer.
struct QueryProtocol {
    let connection: ServiceConnection
    let version: String

    /// Calls `action` and decodes its `<ActionResult>` element (empty when the operation returns nothing);
    /// a decoding error names the operation.
    func call<Output>(_ action: String, _ parameters: QueryParameters = QueryParameters(),
                      decode: (XMLValue) throws -> Output) throws -> Output {
        do {
            return try decode(try call(action, parameters))
        } catch var error as AWSError {
            error.operation = "\(connection.service):\(action)"
            throw error
        }
    }

    private func call(_ action: String, _ parameters: QueryParameters) throws -> XMLValue {
        let body = PercentEncoding.formBody([("Action", action), ("Version", version)] + parameters.pairs)
        let response = try connection.post(
            operation: action,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: body,
            decodeError: decodeError
        )
        return try Self.result(of: action, in: response, requestID: connection.requestID(response))
    }

    /// At most this many pages per listing: RDS's pages hold up to 100 records, so 1,000 pages are far
    /// more than any account has, and an endpoint that keeps sending fresh Markers stops here.
    static let maximumPages = 1_000
    /// At most this many items per listing, whatever the page size.
    static let maximumItems = 100_000

    /// Calls a paginated `action` until no `Marker` comes back, collecting `extract` of every page. Stops
    /// with a malformed-response error on a repeated Marker, or after `maximumPages` pages or `maximumItems` items.
    func paginate<Item>(_ action: String, _ parameters: QueryParameters,
                        extract: (XMLValue) throws -> [Item]) throws -> [Item] {
        var items: [Item] = []
        var marker: String?
        var seenMarkers: Set<String> = []
        var pages = 0
        func stop(_ why: String) -> AWSError {
            var error = AWSError.malformed("\(action) \(why); stopping pagination")
            error.operation = "\(connection.service):\(action)"
            return error
        }
        repeat {
            var page = parameters
            page.set("Marker", marker)
            marker = try call(action, page) { result in
                items += try extract(result)
                return result.string("Marker")?.nonEmpty
            }
            pages += 1
            if let marker, !seenMarkers.insert(marker).inserted { throw stop("returned the same Marker twice") }
            if marker != nil, pages >= Self.maximumPages {
                throw stop("still returned a Marker after \(pages) pages (\(items.count) items)")
            }
            if items.count > Self.maximumItems { throw stop("returned more than \(Self.maximumItems) items") }
        } while marker != nil
        return items
    }

    static func result(of action: String, in response: HTTPResponse, requestID: String?) throws -> XMLValue {
        let root: XMLValue
        do {
            root = try XMLValue.parse(response.body)
        } catch let error as AWSError {
            throw AWSError.malformed("\(action): \(error.message)", status: response.status, requestID: requestID)
        }
        guard root.name == "\(action)Response" else {
            throw AWSError.malformed("\(action): expected <\(action)Response>, got <\(root.name)>", status: response.status, requestID: requestID)
        }
        return root.child("\(action)Result") ?? XMLValue(name: "\(action)Result", text: "", children: [])
    }

    /// `<ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>`; anything else (moto's
    /// HTML 500 page, a proxy's answer) becomes an error that says what came back.
    func decodeError(_ response: HTTPResponse) -> AWSError {
        let headerRequestID = connection.requestID(response)
        if let root = try? XMLValue.parse(response.body), root.name == "ErrorResponse" || root.name == "Response",
           let error = root.child("Error") ?? root.child("Errors")?.child("Error"),
           let code = error.string("Code")?.nonEmpty {
            return AWSError(kind: .service, code: AWSErrorCode(rawValue: code), message: error.string("Message") ?? "",
                            requestID: root.string("RequestId") ?? root.string("RequestID") ?? headerRequestID,
                            httpStatus: response.status)
        }
        let type = response.header("Content-Type") ?? "no content type"
        return AWSError.malformed(
            "HTTP \(response.status) without an AWS error document (\(type), \(response.body.count) bytes): \(ServiceConnection.excerpt(response.body))",
            status: response.status, requestID: headerRequestID)
    }
}

/// The AWS JSON 1.1 protocol (KMS): `X-Amz-Target: Prefix.Operation`, JSON in and out.
struct JSONProtocol {
    let connection: ServiceConnection
    let targetPrefix: String

    /// Calls `operation` and decodes its JSON object; a decoding error names the operation.
    func call<Output>(_ operation: String, _ input: [String: Any], decode: ([String: Any]) throws -> Output) throws -> Output {
        do {
            return try decode(try call(operation, input))
        } catch var error as AWSError {
            error.operation = "\(connection.service):\(operation)"
            throw error
        }
    }

    private func call(_ operation: String, _ input: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: input, options: [.sortedKeys])
        let response = try connection.post(
            operation: operation,
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(targetPrefix).\(operation)")],
            body: Array(body),
            decodeError: decodeError
        )
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw AWSError.malformed("response is not a JSON object: \(ServiceConnection.excerpt(response.body))",
                                     status: response.status, requestID: connection.requestID(response))
        }
        return object
    }

    func decodeError(_ response: HTTPResponse) -> AWSError {
        let requestID = connection.requestID(response)
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
           let type = (object["__type"] as? String ?? response.header("x-amzn-ErrorType"))?.nonEmpty {
            // `com.amazonaws.kms#NotFoundException` or `NotFoundException:http://...`
            let code = type.split(separator: "#").last.map(String.init)?.split(separator: ":").first.map(String.init) ?? type
            let message = object["message"] as? String ?? object["Message"] as? String ?? ""
            return AWSError(kind: .service, code: AWSErrorCode(rawValue: code), message: message, requestID: requestID,
                            httpStatus: response.status)
        }
        return AWSError.malformed(
            "HTTP \(response.status) without an AWS error document: \(ServiceConnection.excerpt(response.body))",
            status: response.status, requestID: requestID)
    }
}
