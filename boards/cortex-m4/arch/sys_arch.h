/*
 * lwIP OS abstraction types for an RTOS (NO_SYS 0). The functions behind
 * them (sys_sem_new, sys_mbox_post, sys_thread_new, sys_now, ...) come from
 * the RTOS's lwIP port, e.g. FreeRTOS's or Zephyr's; handles are opaque.
 */
#ifndef BL_BOARD_ARCH_SYS_ARCH_H
#define BL_BOARD_ARCH_SYS_ARCH_H

typedef void *sys_sem_t;
typedef void *sys_mutex_t;
typedef void *sys_mbox_t;
typedef void *sys_thread_t;

#define SYS_MBOX_NULL ((sys_mbox_t)0)
#define SYS_SEM_NULL ((sys_sem_t)0)

#endif /* BL_BOARD_ARCH_SYS_ARCH_H */
