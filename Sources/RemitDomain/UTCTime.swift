/// A UTC calendar time from milliseconds since the epoch, in integers only (the days-to-civil
/// algorithm of Howard Hinnant's date library), so that no floating point touches money or dates.
///
/// ```swift
/// let t = UTCTime(1_795_435_200_000)   // 2026-11-23T12:00:00Z
/// t.yyyymmdd                           // 20261123
/// ```
public struct UTCTime: Hashable, Sendable {
    public let year, month, day, hour, minute, second, millisecond: Int64

    public init(_ milliseconds: Int64) {
        let (days, msOfDay) = (milliseconds.floorDiv(86_400_000), milliseconds.floorMod(86_400_000))
        hour = msOfDay / 3_600_000
        minute = msOfDay / 60_000 % 60
        second = msOfDay / 1_000 % 60
        millisecond = msOfDay % 1_000
        let z = days + 719_468
        let era = z.floorDiv(146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The date as the protocol's `date` type writes it: `YYYYMMDD`.
    public var yyyymmdd: UInt32 { UInt32(clamping: year * 10_000 + month * 100 + day) }
}

extension Int64 {
    func floorDiv(_ divisor: Int64) -> Int64 { (self >= 0 ? self : self - divisor + 1) / divisor }
    func floorMod(_ divisor: Int64) -> Int64 { self - floorDiv(divisor) * divisor }
}
