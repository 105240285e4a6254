extension Connection {
    /// Applies the migrations not yet recorded in `table`, each in its own transaction with its
    /// record. Shipped migrations never change; new ones are appended to the list, and the list
    /// index (1-based) is the version.
    public func migrate(_ migrations: [String], recordedIn table: String) throws {
        try execute("CREATE TABLE IF NOT EXISTS \(table) (version INTEGER PRIMARY KEY)")
        let applied = try scalarInt("SELECT COALESCE(MAX(version), 0) FROM \(table)") ?? 0
        for (index, sql) in migrations.enumerated() where Int64(index + 1) > applied {
            try transaction {
                try execute(sql)
                try execute("INSERT INTO \(table)(version) VALUES (\(index + 1))")
            }
        }
    }
}
