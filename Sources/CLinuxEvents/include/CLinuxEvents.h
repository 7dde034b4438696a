#ifndef STAPLE_CLINUXEVENTS_H
#define STAPLE_CLINUXEVENTS_H

// Linux's readiness and socket calls that Swift's Glibc module does not bring: epoll, eventfd, and
// accept4 and pthread_setname_np (GNU extensions). One-line wrappers only; no logic here.

#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

/// Wraps `accept4` (declared only with `_GNU_SOURCE`, which the Glibc module is built without).
int staple_accept4(int descriptor, struct sockaddr *address, socklen_t *length, int flags);
/// Wraps `pthread_setname_np(pthread_self(), name)` (also `_GNU_SOURCE` only): names the calling thread.
int staple_name_this_thread(const char *name);
#endif

#endif
