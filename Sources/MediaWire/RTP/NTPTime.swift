/// The 64-bit NTP timestamps RTCP carries (RFC 3550 §4): seconds since 1 January 1900 in the
/// high 32 bits, the fraction of a second in the low 32 bits.
public enum NTPTime {
    /// Seconds from 1900-01-01 to the Unix epoch (1970-01-01).
    public static let unixEpochOffsetSeconds: UInt64 = 2_208_988_800

    /// The NTP timestamp of a Unix time given in nanoseconds.
    public static func fromUnix(nanoseconds: Int64) -> UInt64 {
        let ns = UInt64(max(nanoseconds, 0))
        let seconds = ns / 1_000_000_000 + unixEpochOffsetSeconds
        let fraction = ((ns % 1_000_000_000) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    /// Microseconds since 1900, rounded (enough for differences between two timestamps).
    public static func microseconds(_ ntp: UInt64) -> Int64 {
        let seconds = Int64(ntp >> 32)
        let fraction = Int64(((ntp & 0xFFFF_FFFF) * 1_000_000 + (1 << 31)) >> 32)  // rounded to the nearest µs
        return seconds * 1_000_000 + fraction
    }

    /// The middle 32 bits, as a receiver report's LSR field carries them (RFC 3550 §6.4.1):
    /// 16 bits of seconds and 16 bits of fraction, i.e. units of 1/65536 s.
    public static func middle32(_ ntp: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: ntp >> 16) }
}
