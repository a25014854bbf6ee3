/// What one fuzz run exercises: the protocol's frame and message decoders, or one reader of
/// files from outside. Each has its seeds in Fuzz/seeds/NAME (frames: made from the protocol's
/// vectors by Fuzz/make_corpus.py).
enum FuzzTarget: String, CaseIterable {
    case frames, toml, config, sdn, un, pain002, camt, csv

    func run(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .frames: FuzzHarness.run(data)
        case .toml: FormatTargets.toml(data)
        case .config: ConfigurationTarget.run(data)
        case .sdn: FormatTargets.sdn(data)
        case .un: FormatTargets.un(data)
        case .pain002: FormatTargets.pain002(data)
        case .camt: FormatTargets.camt(data)
        case .csv: FormatTargets.csv(data)
        }
    }
}
