"""质控反馈 (issue 23): stroke-care indicators declared as data, stored per report, benchmarked
against the province and the nation, shown to hospitals and auditors."""
