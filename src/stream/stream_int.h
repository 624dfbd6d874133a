/* stream_int.h - test hooks of the reassembly module (not a public API). */
#ifndef MIERUKA_STREAM_INT_H
#define MIERUKA_STREAM_INT_H

/* Fault injection: the nth allocation from now on fails (0 = never).  Tests
 * use it to prove every allocation failure is handled. */
void mk_stream_fault_nth(unsigned long nth);

#endif /* MIERUKA_STREAM_INT_H */
