/* flow_int.h - test hooks of the flow module (not a public API). */
#ifndef MIERUKA_FLOW_INT_H
#define MIERUKA_FLOW_INT_H

#include <stdbool.h>

/* Fault injection: the nth allocation of the flow table or the ports loader
 * from now on fails (0 = never).  Tests use it to prove every allocation
 * failure is handled. */
void mk_flow_fault_nth(unsigned long nth);
/* Consumes one step of the countdown: true when this allocation must fail.
 * Shared by flow.c and ports.c. */
bool mk_flow_fault(void);

#endif /* MIERUKA_FLOW_INT_H */
