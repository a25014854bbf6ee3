/// The rules a sender's and a beneficiary's data must meet, whatever the corridor.
public enum PartyRules {
    /// A person's or an organisation's name: letters of any script with their combining marks,
    /// spaces, and the punctuation names carry (`'`, `-`, `.`, `,`); at least two letters; no
    /// digits or symbols. Leading, trailing or doubled spaces are refused, so that the name
    /// compared for screening is the name written.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.first != " ", name.last != " " else { return false }
        var letters = 0
        // Two spaces in a row are refused in the same pass (Foundation's `contains("  ")` was a
        // CFString search per name).
        var afterSpace = false
        for scalar in name.unicodeScalars {
            if scalar == " " {
                if afterSpace { return false }
                afterSpace = true
                continue
            }
            afterSpace = false
            // ASCII first, with the same answers: looking up a scalar's Unicode category was
            // about 2 % of the session path's time in a profile, for names mostly in ASCII.
            if scalar.isASCII {
                switch UInt8(scalar.value) {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): letters += 1
                case UInt8(ascii: "'"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","): continue
                default: return false
                }
                continue
            }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter:
                letters += 1
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            default:
                guard " '-.,’".unicodeScalars.contains(scalar) else { return false }
            }
        }
        return letters >= 2
    }

    /// An E.164 number as the protocol carries it (digits as an integer, country code first):
    /// 8 to 15 digits.
    public static func isValidPhone(_ number: UInt64) -> Bool {
        number >= 10_000_000 && number <= 999_999_999_999_999
    }

    /// A date as `YYYYMMDD`: a real calendar date from 1900 on, not after `today` (also `YYYYMMDD`).
    public static func isValidBirthDate(_ date: UInt32, today: UInt32) -> Bool {
        let year = Int(date / 10_000), month = Int(date / 100 % 100), day = Int(date % 100)
        guard year >= 1900, (1...12).contains(month), day >= 1, date <= today else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
