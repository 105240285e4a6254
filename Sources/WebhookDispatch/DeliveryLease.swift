import MarqueeCore
import Webhooks
import SQLiteDB

extension DeliveryStore {
    /// Marks pending messages as taken until `until` (their next attempt time), so they are not
    /// due again while in flight; after a crash they become due when the lease ends. Call it
    /// inside a transaction (the dispatcher leases a whole pass in one).
    public func lease(endpointId: String, seqs: [Int64], until: Timestamp) throws {
        let statement = try connection.prepared("""
            UPDATE webhook_messages SET next_attempt_at = ?3 WHERE endpoint_id = ?1 AND seq = ?2 AND status = 'pending'
            """)
        for seq in seqs {
            try statement.bind(1, endpointId)
            try statement.bind(2, seq)
            try statement.bind(3, until.milliseconds)
            try statement.run()
        }
    }
}

extension DeliveryStore {
    /// Drops messages and attempts after `seq` and moves the cursor back to it, in one
    /// transaction (the log was restored to an earlier point).
    public func forget(after seq: Int64) throws {
        try connection.transaction {
            try connection.run("DELETE FROM webhook_attempts WHERE seq > ?1", [.integer(seq)])
            try connection.run("DELETE FROM webhook_messages WHERE seq > ?1", [.integer(seq)])
            try connection.run("UPDATE webhook_cursor SET seq = ?1", [.integer(seq)])
        }
    }
}
