public import FerrySchema

/// The DR layer's schema (`sql/dr/`), applied after the engine's: alerts and the RPO state, the audit views,
/// the catalog of restore points, the records that prove a DR snapshot Ferry's, and their grants.
public enum DRSchema {
    public static let component = SchemaComponent(name: "dr", migrations: [
        Migration(version: 1, name: "alerts", sql: PackageResources._01_alerts_sql, legacyVersion: 2),
        Migration(version: 2, name: "audit_views", sql: PackageResources._02_audit_views_sql, legacyVersion: 4),
        Migration(version: 3, name: "alerts_name_the_stopped_step", sql: PackageResources._03_alerts_name_the_stopped_step_sql, legacyVersion: 6),
        Migration(version: 4, name: "audit_views_read_the_effects_ledger", sql: PackageResources._04_audit_views_read_the_effects_ledger_sql, legacyVersion: 7),
        Migration(version: 5, name: "restore_points", sql: PackageResources._05_restore_points_sql, legacyVersion: 8),
        Migration(version: 6, name: "roles", sql: PackageResources._06_roles_sql, legacyVersion: 9),
        Migration(version: 7, name: "snapshot_ownership", sql: PackageResources._07_snapshot_ownership_sql, legacyVersion: 10),
        Migration(version: 8, name: "operations", sql: PackageResources._08_operations_sql),
    ])

    /// Every component a `ferry` database holds, in the order they are applied.
    public static let all: [SchemaComponent] = [Schema.engine, component]
}
