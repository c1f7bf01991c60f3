// Package examples holds the jobs built into the stock runnel binary. Each
// is a short file that registers one job with stream.RegisterJob from its
// init function, and doubles as an example of the DataStream API; the
// README says which to copy for which kind of job.
package examples
