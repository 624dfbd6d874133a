/* conv_int.h - test hooks of the conversation graph (not a public API). */
#ifndef MIERUKA_CONV_INT_H
#define MIERUKA_CONV_INT_H

/* Fault injection: the nth allocation from now on fails (0 = never). */
void mk_conv_fault_nth(unsigned long nth);

#endif /* MIERUKA_CONV_INT_H */
