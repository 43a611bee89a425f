package tables

// bodyPage is the $top a scan of messages with bodies or headers starts at
// (Column.HeavyPage). Graph accepts up to 1000 but may answer 504 to a
// page of many full bodies; pages adapt from here. A generated mailbox
// costs about 470 bytes per row with bodies at any $top from 100 up
// (BenchmarkBodyPages in internal/fakegraph): larger pages save requests,
// not bytes.
const bodyPage = 500
