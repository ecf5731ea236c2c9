import Testing
@testable import FerryAWS
