#define _GNU_SOURCE
#include <pthread.h>
#include <sys/socket.h>
#include "CLinuxEvents.h"

#ifdef __linux__
int staple_accept4(int descriptor, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(descriptor, address, length, flags);
}

int staple_name_this_thread(const char *name) { return pthread_setname_np(pthread_self(), name); }
#endif
