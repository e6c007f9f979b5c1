import Foundation

/// CDR documents as FreeSWITCH's mod_json_cdr posts them, written for TollGuard's tests.
package enum CDRDocuments {
    /// A mod_json_cdr document of one answered 60-second call from `account` to `destination`
    /// (`variables`, and `callflow` with its caller profile).
    package static func json(uuid: String, account: String = "1001", destination: String = "12125550100") -> [UInt8] {
        let start = 1_795_000_000
        let document: [String: Any] = [
            "variables": [
                "uuid": uuid, "accountcode": account, "start_epoch": "\(start)", "answer_epoch": "\(start + 2)",
                "end_epoch": "\(start + 62)", "billsec": "60", "duration": "62", "hangup_cause": "NORMAL_CLEARING",
            ],
            "callflow": [
                [
                    "caller_profile": [
                        "caller_id_number": account, "destination_number": destination, "context": "default",
                    ]
                ]
            ],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: document)) ?? Data())
    }
}
