// Package artifact fetches a task's artifacts (the jobspec's artifact
// blocks) into its task directory before the task starts.
//
// Sources are http://, https://, file:// URLs, plain absolute paths and
// paths relative to the task directory. A file source must lie inside the
// allocation directory or one of the operator's Getter.FileRoots
// (client { artifact { file_roots = [...] } }): a job author must not be
// able to copy arbitrary host files into a task. Options are those of
// Nomad's go-getter that make sense without it: checksum ("sha256:<hex>",
// also md5, sha1, sha512) and archive=false. .tar, .tar.gz, .tgz and .zip
// downloads are unpacked unless archive=false.
//
// Everything written lands inside the task directory: the destination and
// every archive entry are joined with client/allocdir.SecureJoin, which
// refuses "..", absolute names and symlinks leading out (errors wrap
// allocdir.ErrEscapes). Archive symlinks must be relative, use ".." only
// as a prefix and resolve inside the destination; hard links are copied;
// devices, FIFOs and sockets are refused (ErrUnsafeEntry). The bytes
// fetched, and separately the bytes unpacked, are bounded by
// Getter.MaxBytes, and an archive by maxEntries entries (ErrTooLarge).
// A plain file is fetched into a hidden temporary file in the task
// directory and renamed into place only after its checksum matched; an
// archive that fails half-way leaves the entries written before the
// failure. Every error names the artifact's source.
//
// This package must not know about task runners, events or restart
// policies: it fetches one artifact and says why it could not.
package artifact
