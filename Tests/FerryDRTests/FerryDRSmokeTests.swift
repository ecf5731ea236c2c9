import Testing
@testable import FerryDR
