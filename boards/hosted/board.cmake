# SPDX-License-Identifier: ISC
# Hosted: the same hearth_main as a Linux process, for fast tests, fuzzing and benchmarks.
set(HEARTH_ARCH host)
set(HEARTH_HAL hosted)
set(HEARTH_CPU_FLAGS "")
# Connection budgets: big enough for load tests and benchmarks (at least 256 concurrent HTTPS
# keep-alive connections), with the host's memory behind them: ~20 MiB at full load (TLS ~30 KiB and
# HTTP ~26 KiB per open connection, lwIP's receive pool 1.5 MiB and heap 4 MiB). PCBs exceed the TLS
# budget so plain port 80, the echo services and TIME_WAIT fit beside 256 HTTPS connections.
set(HEARTH_NET_TCP_PCBS 320)
set(HEARTH_NET_TCP_SEGS 2048)
set(HEARTH_NET_PBUF_POOL 1024)
set(HEARTH_NET_MEM_KIB 4096)
set(HEARTH_NET_LISTEN_BACKLOG 64)
set(HEARTH_TLS_MAX_CONNS 256)
set(HEARTH_HTTP_MAX_CONNS 288)
# Trace ring (services/trace.h): events kept for GET /api/trace, 24 bytes each.
set(HEARTH_TRACE_EVENTS 4096)
