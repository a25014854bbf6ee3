import Foundation
import RemitDomain
import RemitFormats
import RemitLedger

/// Matches a partner's statement lines to the ledger's payouts to that partner: by end-to-end id
/// first (the leg's key `ACME-<uuid>-0`, or the compact `<32 hex>-0` that ISO 20022 files carry
/// within their 35 characters), then by the partner's reference, then by amount, currency and
/// date (within `dateTolerance` days, the closest date first). Then it judges each payout by the
/// lines that matched it. Pure: no I/O, the same answer for the same input.
public struct Reconciler {
    public var partner: String
    public var statements: [PartnerStatement]
    public var payouts: [PartnerPayout]
    /// Names the statement in evidence and reports: "MPESA statement.csv sha256 3f2a…".
    public var label: String
    public var dateTolerance: Int
    /// Called now and then with (lines done, lines in all).
    public var progress: ((Int, Int) -> Void)?

    public init(partner: String, statements: [PartnerStatement], payouts: [PartnerPayout], label: String,
                dateTolerance: Int = 3, progress: ((Int, Int) -> Void)? = nil) {
        self.partner = partner
        self.statements = statements
        self.payouts = payouts
        self.label = label
        self.dateTolerance = dateTolerance
        self.progress = progress
    }

    /// What a line is, for matching.
    enum Kind { case payout, returned, pending, other }

    static func kind(_ line: PartnerStatement.Line) -> Kind {
        if line.status == .pending { return .pending }
        // Money coming back: a reversal of a payout (a credit), or a credit giving a return reason.
        // A reversed credit (a top-up taken back) is the float's business, not a payout's.
        if line.direction == .credit && (line.status == .reversal || line.returnReason != nil) { return .returned }
        return line.direction == .debit ? .payout : .other
    }

    struct LineRef {
        var statement: Int
        var index: Int
    }

    public func run() -> Reconciliation {
        var result = Reconciliation(partner: partner, label: label)
        let total = statements.reduce(0) { $0 + $1.lines.count }
        result.lines = total

        // Indexes of the ledger's payouts: by key always; by compact id and by reference only
        // once a line needs them (a wallet's statement carries full keys, and a million-line
        // statement would otherwise build two more million-entry tables for nothing).
        var byKey: [PayoutKey: Int] = [:]
        byKey.reserveCapacity(payouts.count)
        for (index, payout) in payouts.enumerated() { byKey[payout.key] = index }
        var byCompact: [String: [Int]]?
        var byReference: [String: [Int]]?
        func compactMatch(_ id: String) -> Int? {
            if byCompact == nil {
                var index: [String: [Int]] = [:]
                index.reserveCapacity(payouts.count)
                for (position, payout) in payouts.enumerated() { index[Self.compact(payout.key), default: []].append(position) }
                byCompact = index
            }
            guard let candidates = byCompact![id.lowercased()], candidates.count == 1 else { return nil }
            return candidates[0]
        }
        func referenceMatch(_ reference: String) -> Int? {
            if byReference == nil {
                var index: [String: [Int]] = [:]
                index.reserveCapacity(payouts.count)
                for (position, payout) in payouts.enumerated() where !payout.partnerReference.isEmpty {
                    index[payout.partnerReference, default: []].append(position)
                }
                byReference = index
            }
            guard let candidates = byReference![reference], candidates.count == 1 else { return nil }
            return candidates[0]
        }

        // Pass 1: ids and references. A line names at most one payout; a payout may gather lines.
        var lineMatch: [[Int?]] = statements.map { Array(repeating: nil, count: $0.lines.count) }
        var methods: [[Reconciliation.Method?]] = statements.map { Array(repeating: nil, count: $0.lines.count) }
        // The lines each payout gathered: the first in an array as long as the payouts (most
        // payouts have one line, and a million small arrays would cost more than the matching),
        // any others apart.
        var firstLine = [LineRef?](repeating: nil, count: payouts.count)
        var moreLines: [Int: [LineRef]] = [:]
        func claim(_ index: Int, _ ref: LineRef) {
            if firstLine[index] == nil { firstLine[index] = ref } else { moreLines[index, default: []].append(ref) }
        }
        var done = 0
        for (s, statement) in statements.enumerated() {
            for (i, line) in statement.lines.enumerated() {
                done += 1
                if done % 50_000 == 0 { progress?(done / 2, total) }
                guard Self.kind(line) != .other else { continue }
                var found: Int?
                var method = Reconciliation.Method.endToEndId
                if let id = line.endToEndId {
                    if let key = PayoutKey(id), let index = byKey[key] {
                        found = index
                    } else if id.utf8.count <= 40 {
                        found = compactMatch(id)
                    }
                }
                if found == nil, let reference = line.reference, let index = referenceMatch(reference) {
                    found = index
                    method = .reference
                }
                if let found {
                    lineMatch[s][i] = found
                    methods[s][i] = method
                    claim(found, LineRef(statement: s, index: i))
                }
            }
        }

        // Pass 2: booked payout lines still unmatched, by amount, currency and date, among
        // payouts no line has claimed that may have left (paid or open).
        var byAmount: [String: [Int]] = [:]
        for (index, payout) in payouts.enumerated()
        where firstLine[index] == nil && (payout.standing == .paid || payout.standing == .open) {
            byAmount["\(payout.currency) \(payout.amount)", default: []].append(index)
        }
        for (s, statement) in statements.enumerated() {
            for (i, line) in statement.lines.enumerated() where lineMatch[s][i] == nil && Self.kind(line) == .payout {
                guard let date = line.date, let day = Self.dayNumber(date),
                      let candidates = byAmount["\(line.currency) \(line.amount)"]
                else { continue }
                var best: (index: Int, distance: Int)?
                for index in candidates where firstLine[index] == nil {
                    let distance = abs(Self.dayNumber(ms: payouts[index].updatedAt) - day)
                    guard distance <= dateTolerance else { continue }
                    if best == nil || distance < best!.distance { best = (index, distance) }
                }
                if let best {
                    lineMatch[s][i] = best.index
                    methods[s][i] = .amountAndDate
                    claim(best.index, LineRef(statement: s, index: i))
                }
            }
        }

        // The period the statement covers, for payouts it should show.
        var first: String?, last: String?
        func cover(_ date: String?) {
            guard let date else { return }
            if first == nil || date < first! { first = date }
            if last == nil || date > last! { last = date }
        }
        for statement in statements {
            cover(statement.opening?.date)
            cover(statement.closing?.date)
            statement.lines.forEach { cover($0.date) }
        }
        if let first, let last { result.period = first...last }

        var dayCounts: [String: (matched: Int, broken: Int)] = [:]
        func count(_ date: String?, broken: Bool) {
            let day = date ?? "undated"
            if broken { dayCounts[day, default: (0, 0)].broken += 1 } else { dayCounts[day, default: (0, 0)].matched += 1 }
        }
        func evidence(_ ref: LineRef) -> String {
            let statement = statements[ref.statement]
            return Self.clip("\(label): statement \(statement.id) line \(statement.lines[ref.index].number)", 500)
        }
        func lineBreak(_ type: Reconciliation.BreakType, _ ref: LineRef, payout: Int?, _ detail: String,
                       action: String = "") -> Reconciliation.Break {
            let statement = statements[ref.statement], line = statement.lines[ref.index]
            let found = payout.map { payouts[$0] }
            return Reconciliation.Break(
                type: type, statement: statement.id, line: line.number, date: line.date, endToEndId: line.endToEndId,
                partnerReference: line.reference, amount: line.amount, currency: line.currency, payout: found?.key.text,
                ledgerAmount: found?.amount, ledgerState: found?.state.rawValue, detail: detail, action: action)
        }

        // Each payout judged by the lines that matched it.
        for index in payouts.indices {
            guard let first = firstLine[index] else { continue }
            let payout = payouts[index]
            // The common case, one booked line paying a paid payout exactly, without the arrays below.
            if moreLines[index] == nil, payout.standing == .paid {
                let line = statements[first.statement].lines[first.index]
                if Self.kind(line) == .payout && line.amount == payout.amount && line.currency == payout.currency {
                    result.matched += 1
                    if let method = methods[first.statement][first.index] { result.matchedBy[method, default: 0] += 1 }
                    count(line.date, broken: false)
                    continue
                }
            }
            let refs = [first] + (moreLines[index] ?? [])
            var debits: [LineRef] = [], returns: [LineRef] = [], pendings: [LineRef] = []
            for ref in refs {
                switch Self.kind(statements[ref.statement].lines[ref.index]) {
                case .payout: debits.append(ref)
                case .returned: returns.append(ref)
                case .pending: pendings.append(ref)
                case .other: break
                }
            }
            result.pending += pendings.count
            for ref in pendings { count(statements[ref.statement].lines[ref.index].date, broken: false) }
            // Lines beyond the first debit pay it again.
            for ref in debits.dropFirst() {
                result.breaks.append(lineBreak(.duplicateAtPartner, ref, payout: index,
                                               "a second line paying \(payout.key.text) (first: line \(statements[debits[0].statement].lines[debits[0].index].number))"))
                count(statements[ref.statement].lines[ref.index].date, broken: true)
            }
            var judged: [(LineRef, Reconciliation.Break?)] = []
            if let debit = debits.first {
                let line = statements[debit.statement].lines[debit.index]
                if line.amount != payout.amount || line.currency != payout.currency {
                    judged.append((debit, lineBreak(.amountMismatch, debit, payout: index,
                        "the partner paid \(line.currency) \(Reconciliation.amount(line.amount, line.currency)), the ledger \(payout.currency) \(Reconciliation.amount(payout.amount, payout.currency))")))
                    for ref in returns { judged.append((ref, nil)) }
                    for (ref, item) in judged {
                        if let item { result.breaks.append(item) } else { result.matched += 1 }
                        count(statements[ref.statement].lines[ref.index].date, broken: item != nil)
                    }
                    continue
                }
            }
            let returned = returns.first
            switch payout.standing {
            case .open:
                if let returned {
                    // Out and back, or only back: no money stayed with the beneficiary.
                    result.actions.append(.resolveFailed(payout.key, evidence: evidence(returned)))
                } else if let debit = debits.first {
                    let line = statements[debit.statement].lines[debit.index]
                    let reference = line.reference ?? line.endToEndId ?? "statement \(statements[debit.statement].id) line \(line.number)"
                    result.actions.append(.resolvePaid(payout.key, reference: Self.clip(reference, 64),
                                                       evidence: evidence(debit)))
                } else {
                    result.openNotShown += pendings.isEmpty ? 1 : 0
                }
                for ref in debits.prefix(1) + returns { judged.append((ref, nil)) }
            case .paid:
                for ref in debits.prefix(1) { judged.append((ref, nil)) }
                if let returned {
                    if payout.key.redirect {
                        judged.append((returned, lineBreak(.returnedOrReversed, returned, payout: index,
                            "a redirected leg's payout returned: not reversed automatically, operations must recover it")))
                    } else {
                        result.actions.append(.reverse(payout.key, evidence: evidence(returned)))
                        judged.append((returned, lineBreak(.returnedOrReversed, returned, payout: index,
                            "paid in the ledger, returned by the partner" + (statements[returned.statement].lines[returned.index].returnReason.map { " (\($0))" } ?? ""),
                            action: "reversal booked")))
                    }
                }
                for ref in returns.dropFirst() { judged.append((ref, nil)) }
            case .reversed:
                if let returned {
                    for ref in debits.prefix(1) + [returned] + returns.dropFirst() { judged.append((ref, nil)) }
                } else if let debit = debits.first {
                    judged.append((debit, lineBreak(.returnedOrReversed, debit, payout: index,
                        "reversed in the ledger; this statement shows the payout and no return")))
                }
            case .unpaid:
                if let debit = debits.first, returned == nil {
                    judged.append((debit, lineBreak(.missingInLedger, debit, payout: index,
                        "paid by the partner, but the ledger holds it unpaid (\(payout.state.rawValue)): the money left twice")))
                } else {
                    for ref in debits.prefix(1) + returns { judged.append((ref, nil)) }
                }
            }
            for (ref, item) in judged {
                if let item {
                    result.breaks.append(item)
                    // A reversal booked from the statement is a change made, not a line left broken.
                    count(statements[ref.statement].lines[ref.index].date, broken: item.action.isEmpty)
                } else {
                    result.matched += 1
                    if let method = methods[ref.statement][ref.index] { result.matchedBy[method, default: 0] += 1 }
                    count(statements[ref.statement].lines[ref.index].date, broken: false)
                }
            }
        }

        // Lines that matched nothing.
        done = 0
        for (s, statement) in statements.enumerated() {
            for (i, line) in statement.lines.enumerated() {
                done += 1
                if done % 50_000 == 0 { progress?(total / 2 + done / 2, total) }
                guard lineMatch[s][i] == nil else { continue }
                let ref = LineRef(statement: s, index: i)
                switch Self.kind(line) {
                case .other: result.notPayouts += 1
                case .pending: result.pending += 1
                case .payout:
                    result.breaks.append(lineBreak(.missingInLedger, ref, payout: nil,
                        line.endToEndId.map { "no payout to \(partner) has end-to-end id \($0)" } ?? "no payout to \(partner) matches it"))
                    count(line.date, broken: true)
                case .returned:
                    result.breaks.append(lineBreak(.missingInLedger, ref, payout: nil, "a return of no payout to \(partner)"))
                    count(line.date, broken: true)
                }
            }
        }

        // Paid in the ledger within the period, shown nowhere: only a whole statement can say so.
        result.checkedMissing = statements.allSatisfy(\.complete)
        if result.checkedMissing, let period = result.period {
            for (index, payout) in payouts.enumerated() where firstLine[index] == nil {
                switch payout.standing {
                case .paid:
                    let day = Self.isoDay(ms: payout.updatedAt)
                    guard period.contains(day) else { continue }
                    result.breaks.append(Reconciliation.Break(
                        type: .missingAtPartner, date: day, currency: payout.currency, payout: payout.key.text,
                        ledgerAmount: payout.amount, ledgerState: payout.state.rawValue,
                        detail: "paid in the ledger on \(day), on no line of the statement"))
                    count(day, broken: true)
                case .open: result.openNotShown += 1
                default: break
                }
            }
        }

        result.balances = statements.map { statement in
            let sameCurrency = statement.opening?.currency == statement.closing?.currency
            return Reconciliation.BalanceCheck(statement: statement.id, currency: statement.closing?.currency ?? statement.currency,
                                               opening: sameCurrency ? statement.opening?.amount : nil, movements: statement.bookedNet,
                                               closing: sameCurrency ? statement.closing?.amount : nil)
        }
        result.days = dayCounts.keys.sorted().map { Reconciliation.Day(date: $0, matched: dayCounts[$0]!.matched, broken: dayCounts[$0]!.broken) }
        result.breaks.sort { ($0.type, $0.statement ?? "", $0.line ?? 0, $0.payout ?? "") < ($1.type, $1.statement ?? "", $1.line ?? 0, $1.payout ?? "") }
        progress?(total, total)
        return result
    }

    /// The end-to-end id ISO 20022 files carry for a payout: its transfer id's 32 hex digits, a
    /// hyphen and the leg (`r` for a redirected leg's payout).
    public static func compact(_ key: PayoutKey) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(40)
        for word in [key.transferId.high, key.transferId.low] {
            for shift in stride(from: 60, through: 0, by: -4) { bytes.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        bytes.append(UInt8(ascii: "-"))
        bytes += Array(String(key.leg).utf8)
        if key.redirect { bytes.append(UInt8(ascii: "r")) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date.
    static func dayNumber(_ date: String) -> Int? {
        let bytes = Array(date.utf8)
        guard bytes.count == 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        // Howard Hinnant's days_from_civil.
        let year = m <= 2 ? y - 1 : y
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func dayNumber(ms: Int64) -> Int { Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000) }

    static func isoDay(ms: Int64) -> String {
        let time = UTCTime(ms)
        return String(format: "%04d-%02d-%02d", Int(time.year), Int(time.month), Int(time.day))
    }

    /// `text` cut to at most `bytes` UTF-8 bytes, whole characters only.
    static func clip(_ text: String, _ bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var clipped = text
        while clipped.utf8.count > bytes { clipped.removeLast() }
        return clipped
    }
}
