import Testing
@testable import FerryEngine
