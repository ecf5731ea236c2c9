import Testing
@testable import FerryPostgres
