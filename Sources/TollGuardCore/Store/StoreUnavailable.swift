/// A store that cannot be reached now (the cluster's primary lost): what a request meets is
/// answered as the service being unavailable, with this saying why, never as nothing found.
package protocol StoreUnavailable: Error, CustomStringConvertible {}
