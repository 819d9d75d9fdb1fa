/* What libifpin's files share (ifpin.c: one request on a connection; persistent.c: the connection
 * kept across calls). Not exported: the library is built with hidden visibility. */
#ifndef IFPIN_INTERNAL_H
#define IFPIN_INTERNAL_H

/* Records why the call fails (ifpin_strerror_last) and returns -1 with errno set to error. */
__attribute__((format(printf, 2, 3))) int ifpin_fail(int error, const char *format, ...);
#define fail ifpin_fail

/* A connected SOCK_SEQPACKET socket to ifpind (its uid checked), or -1 with errno set. */
int ifpin_connect_to_daemon(void);

/* One open-sockets request and its reply on an open connection: count, or -1 with errno set and no
 * fd open. *dropped: ifpind hung up without answering; *status: the reply's status, -1 if none. */
int ifpin_exchange(int connection, const char *role, int domain, int type, int protocol, int *fds, unsigned count,
                   int *dropped, int *status);

/* Whether ifpin_sockets uses the process's persistent connection (ifpin_keep_connection, or
 * $IFPIN_KEEP_CONNECTION=1), and the request on it. */
int ifpin_persistent_enabled(void);
int ifpin_persistent_request(const char *role, int domain, int type, int protocol, int *fds, unsigned count,
                             int *dropped);

#endif
