# Included by _cd.pyx (one C translation unit: the hot paths inline across parts).

# ----------------------------------------------------------------- screening
# Gap-safe screening (Fercoq, Gramfort and Salmon 2015; Ndiaye et al. 2017).
# With gap G at w and the dual point theta = c r, the dual optimum lies within
# sqrt(2 G) of theta (in the S-norm; the dual is 1-strongly concave), so a
# feature with w_j = 0 and
#     c |x~_j^T S r| + sqrt(||x~_j||^2 + b pf2_j) sqrt(2 G) < a pf_j
# is zero at the optimum.  Such a feature leaves the scans: only the bound
# |x~_j^T S R| <= bound_j + ||x~_j||_S ||R - r_ref||_S (Cauchy-Schwarz) is
# kept, and it re-enters the scans as soon as that bound reaches a pf_j (a
# smaller alpha along a path, or a residual that moved far).  The bound also
# caps its term of the dual norm, so the gap remains a certificate for the
# whole problem (with a dual point scaled a little more than the exact one:
# an upper bound of the exact gap).  Not used with box constraints or
# unpenalised features, whose dual constraints are not of this form.
#
# The bound is kept in the form |x~_j^T S R| <= c_j + ||x~_j||_S D, where D, a
# length of the residual's path (D = d_ref + ||R - r_ref||_S, d_ref adding the
# lengths of the legs between the successive references r_ref), only grows;
# c_j is set when j is screened and never rebased.  j can come back at
# strength a only once alpha_j(D) = (c_j + ||x~_j|| D) / pf_j reaches a.
#
# Bookkeeping stays proportional to the features still scanned (the list
# ``act``) plus a "near" tier of the screened ones.  Along a path, a visit of
# all screened features sorts them into the near tier (alpha_j >= a / 2: those
# that may come back soon) and a "far" tier, of which only two maxima are
# kept (far_a of alpha_j and far_rho of ||x~_j|| / pf_j at D = far_d): none of
# the far ones can come back while a > far_a + far_rho (D - far_d).  A new
# alpha visits the near tier only; the far tier once that test fails (a few
# times along a path).  Within one alpha, no feature is visited before D
# reaches d_next, the path length at which the first one could come back.

cdef double FAR_RATIO = 0.5     # far tier: alpha_j(D) below FAR_RATIO * a at a sorting visit

cdef struct Screening:
    CDScreen* sc        # the caller's state, or ``local``
    CDScreen local
    double delta        # ||R - r_ref||_S at the last refresh
    int p
    bint on
    bint own


cdef inline double _screen_ub(double c, double norm, double dist) noexcept nogil:
    """c + norm dist, rounded up (a relative margin well above its rounding error)."""
    return c + norm * dist + 1e-12 * (fabs(c) + norm * dist)


cdef void _screen_clear(CDScreen* sc) noexcept nogil:
    """No feature screened (the lists emptied, the path length back to 0)."""
    sc.n_bounded = 0
    sc.near.n = 0
    sc.far.n = 0
    sc.a_ref = -1.0
    sc.d_ref = 0.0
    sc.d_next = INFINITY
    sc.far_a = -INFINITY
    sc.far_rho = 0.0
    sc.far_d = 0.0


cdef inline bint _list_alloc(ScreenedList* lst, int p) noexcept nogil:
    lst.j = <int*> malloc(max(p, 1) * sizeof(int))
    lst.c = <double*> malloc(max(p, 1) * sizeof(double))
    lst.norm = <double*> malloc(max(p, 1) * sizeof(double))
    lst.pf = <double*> malloc(max(p, 1) * sizeof(double))
    lst.n = 0
    return not (lst.j == NULL or lst.c == NULL or lst.norm == NULL or lst.pf == NULL)


cdef inline void _release(void** ptr) noexcept nogil:
    free(ptr[0])
    ptr[0] = NULL


cdef inline void _list_free(ScreenedList* lst) noexcept nogil:
    _release(<void**> &lst.j)
    _release(<void**> &lst.c)
    _release(<void**> &lst.norm)
    _release(<void**> &lst.pf)


cdef bint screen_alloc(CDScreen* sc, int n, int p) noexcept nogil:
    """Allocate the arrays of a screening state for n samples and p features
    (False if out of memory: free it with screen_free all the same)."""
    cdef bint ok
    sc.n = n
    sc.p = p
    sc.bounded = <signed char*> calloc(max(p, 1), sizeof(signed char))
    sc.r_ref = <double*> malloc(max(n, 1) * sizeof(double))
    sc.norm = <double*> malloc(max(p, 1) * sizeof(double))
    sc.act = <int*> malloc((p + 1) * sizeof(int))     # + 1: see _screen_reset
    ok = _list_alloc(&sc.near, p)
    ok = _list_alloc(&sc.far, p) and ok
    _screen_clear(sc)
    sc.n_act = 0
    sc.has_norm = False
    sc.pf_ok = False
    return ok and not (sc.bounded == NULL or sc.r_ref == NULL or sc.norm == NULL
                       or sc.act == NULL)


cdef void screen_free(CDScreen* sc) noexcept nogil:
    _release(<void**> &sc.bounded)
    _release(<void**> &sc.r_ref)
    _release(<void**> &sc.norm)
    _release(<void**> &sc.act)
    _list_free(&sc.near)
    _list_free(&sc.far)


cdef void _screen_reset(CDScreen* sc, int p) noexcept nogil:
    """Nothing screened: every feature of nonzero norm is scanned (act has p + 1 entries)."""
    cdef int j
    sc.n_act = 0
    for j in range(p):
        sc.bounded[j] = 0
        sc.act[sc.n_act] = j
        sc.n_act += sc.norm[j] > 0.0
    _screen_clear(sc)


cdef bint _screen_begin(Screening* s, const CDParams* prm, const double[::1] x_norm2,
                        const double[::1] pf, int n, bint warm, bint able) noexcept nogil:
    """Set up the screening of one call; returns whether ``warm`` can be honoured.

    ``able``: the design keeps the residual of n entries (see dz_keeps_residual)."""
    cdef int j, p = x_norm2.shape[0]
    cdef CDScreen* sc
    cdef bint fresh = False
    cdef bint wanted = able and not (prm.pen.a <= 0.0 or prm.pen.lower != NULL or prm.unpen.n > 0
                                     or prm.opt.no_screening)
    s.p = p
    s.delta = 0.0
    s.own = prm.state.screen == NULL
    s.on = wanted
    if s.own:
        sc = &s.local
        if wanted:
            s.on = screen_alloc(sc, n, p)
        else:
            memset(sc, 0, sizeof(CDScreen))
    else:
        sc = prm.state.screen
        s.on = wanted and sc.p == p and sc.n == n
    s.sc = sc
    if s.on and not sc.has_norm:       # once per problem
        sc.pf_ok = True
        for j in range(p):
            sc.norm[j] = sqrt(x_norm2[j]) * (1.0 + 1e-12)
            sc.pf_ok &= (x_norm2[j] == 0.0) | (pf[j] > 0.0)
        sc.has_norm = True
        fresh = True
    s.on = s.on and sc.pf_ok
    if s.on:
        # a warm call's g is current for every feature its last call left
        # unscreened; a state new to this problem screens none yet
        if not warm or fresh:
            _screen_reset(sc, p)
        return warm
    if warm and sc.n_bounded > 0:
        warm = False        # their g is stale: a full scan is needed
    if not s.own and sc.bounded != NULL:
        # this call does not keep a caller's state up to date (its act list
        # included): the next call that screens starts it afresh
        for j in range(sc.p):
            sc.bounded[j] = 0
        _screen_clear(sc)
        sc.has_norm = False
    return warm


cdef int _screen_unlisted(Screening* s) noexcept nogil:
    """With a per-call state, list the screened features in sc.act (their g is to
    be brought up to date before returning, as the contract of R and g says)."""
    cdef CDScreen* sc = s.sc
    cdef int k
    if not (s.on and s.own and sc.n_bounded > 0):
        return 0
    for k in range(sc.near.n):
        sc.act[k] = sc.near.j[k]
    for k in range(sc.far.n):
        sc.act[sc.near.n + k] = sc.far.j[k]
    return sc.n_bounded


cdef void _screen_end(Screening* s) noexcept nogil:
    if s.own:
        screen_free(&s.local)


cdef double _ref_distance(const CDScreen* sc, const double* sw,
                          const double* R) noexcept nogil:
    """||R - r_ref||_S, rounded up (R: sc.n entries)."""
    cdef int i
    cdef double d, acc = 0.0
    for i in range(sc.n):
        d = R[i] - sc.r_ref[i]
        acc += (sw[i] if sw != NULL else 1.0) * d * d
    return sqrt(acc) * (1.0 + 1e-12)


cdef inline double _far_limit(const CDScreen* sc, double a) noexcept nogil:
    """Path length up to which no far feature can come back at strength a.

    The tier's summary bounds alpha_j(D) by far_a + far_rho (D - far_d) for
    D >= far_d only; below far_d (D can shrink back when R returns towards
    r_ref), by far_a.  So a <= far_a proves nothing at any D.
    """
    if sc.far.n == 0:
        return INFINITY
    if not a > sc.far_a:        # (also NaN)
        return -INFINITY
    if sc.far_rho == 0.0:
        return INFINITY
    return sc.far_d + (a - sc.far_a) / sc.far_rho * (1.0 - 1e-12)


cdef inline void _list_move(ScreenedList* dst, int to, const ScreenedList* src,
                            int k) noexcept nogil:
    dst.j[to] = src.j[k]
    dst.c[to] = src.c[k]
    dst.norm[to] = src.norm[k]
    dst.pf[to] = src.pf[k]


cdef inline void _readmit(CDScreen* sc, int j) noexcept nogil:
    sc.bounded[j] = 0
    sc.act[sc.n_act] = j
    sc.n_act += 1


cdef void _sort_far_tier(CDScreen* sc, double a, double dist) noexcept nogil:
    """Visit the far tier: readmit, keep (compacted) or move to the near tier; its
    maxima are recomputed at path length ``dist``."""
    cdef ScreenedList* far = &sc.far
    cdef int k, kept = 0
    cdef double ub, thr, far_a = -INFINITY, far_rho = 0.0
    for k in range(far.n):
        ub = _screen_ub(far.c[k], far.norm[k], dist)
        thr = a * far.pf[k]
        if ub >= thr:
            _readmit(sc, far.j[k])
        elif ub >= FAR_RATIO * thr:
            _list_move(&sc.near, sc.near.n, far, k)
            sc.near.n += 1
        else:
            far_a = max(far_a, ub / far.pf[k])
            far_rho = max(far_rho, far.norm[k] / far.pf[k])
            _list_move(far, kept, far, k)
            kept += 1
    far.n = kept
    sc.far_a = far_a
    sc.far_rho = far_rho
    sc.far_d = dist


cdef double _visit_near_tier(CDScreen* sc, double a, double dist, bint sort) noexcept nogil:
    """Visit the near tier: readmit, keep (compacted) or, when ``sort``, move to the
    far tier.  Returns the path length at which a kept one could come back."""
    cdef ScreenedList* near = &sc.near
    cdef int k, kept = 0
    cdef double ub, thr, d_next = INFINITY, far_a = sc.far_a, far_rho = sc.far_rho
    for k in range(near.n):
        ub = _screen_ub(near.c[k], near.norm[k], dist)
        thr = a * near.pf[k]
        if ub >= thr:
            _readmit(sc, near.j[k])
        elif sort and ub < FAR_RATIO * thr:
            far_a = max(far_a, ub / near.pf[k])
            far_rho = max(far_rho, near.norm[k] / near.pf[k])
            _list_move(&sc.far, sc.far.n, near, k)
            sc.far.n += 1
        else:
            if thr - ub < (d_next - dist) * near.norm[k]:     # divides only when it moves
                d_next = dist + (thr - ub) / near.norm[k]
            _list_move(near, kept, near, k)
            kept += 1
    near.n = kept
    sc.far_a = far_a
    sc.far_rho = far_rho
    return d_next


cdef int _screen_refresh(Screening* s, const double* sw, const double* R,
                         const double[::1] pf, const CDParams* prm,
                         double* floor) noexcept nogil:
    """Readmit the screened features whose bound may have reached a pf_j: they are
    appended to sc.act, and their number is returned.  ``floor``: an upper
    bound of |x~_j^T S R| / pf_j over the features still screened, or ``a``
    when that is all we know (the same dual point as long as it is below a)."""
    cdef CDScreen* sc = s.sc
    cdef int start = sc.n_act
    cdef double dist, a = prm.pen.a, d_next
    cdef bint sort
    floor[0] = 0.0
    s.delta = 0.0
    if sc.n_bounded == 0:
        return 0
    s.delta = _ref_distance(sc, sw, R)
    dist = sc.d_ref + s.delta
    if a == sc.a_ref and dist < sc.d_next:   # none can have reached a pf_j
        floor[0] = a
        return 0
    sc.a_ref = a
    # sort the tiers anew when the far one is empty or may hold one that comes back
    sort = sc.far.n == 0 or dist >= _far_limit(sc, a)
    if sort:
        _sort_far_tier(sc, a, dist)
    d_next = _visit_near_tier(sc, a, dist, sort)
    sc.n_bounded = sc.near.n + sc.far.n
    sc.d_next = min(d_next, _far_limit(sc, a))
    floor[0] = a if sc.n_bounded > 0 else 0.0   # each is below a pf_j: the same as exact
    return sc.n_act - start


cdef void _screen_new(Screening* s, const double* R, const double[::1] g,
                      const double[::1] w, const double[::1] x_norm2, const double[::1] pf,
                      const CDParams* prm, double gap, double floor) noexcept nogil:
    """Screen the features of sc.act that the gap-safe sphere test rules out
    (into the near tier)."""
    cdef CDScreen* sc = s.sc
    cdef ScreenedList* near = &sc.near
    cdef int k, j, k_b, kept = 0
    cdef double dnorm = floor, v, c, radius, ub
    cdef bint moved = False
    for k in range(sc.n_act):
        j = sc.act[k]
        v = g[j] - prm.pen.b * _l2_factor(prm, pf, j) * w[j]
        v = (v if prm.pen.positive else fabs(v)) / pf[j]
        if v > dnorm:
            dnorm = v
    c = prm.pen.a / dnorm if dnorm > prm.pen.a else 1.0
    radius = sq_radius(gap)
    for k in range(sc.n_act):
        j = sc.act[k]
        if (w[j] == 0.0 and c * fabs(g[j]) < prm.pen.a * pf[j]
                and c * fabs(g[j]) + radius * (
                    sc.norm[j] if prm.pen.b == 0.0 else
                    sqrt(x_norm2[j] + prm.pen.b * _l2_factor(prm, pf, j))) < prm.pen.a * pf[j]):
            if not moved:
                # R becomes the reference (a new leg of the path), so that the new
                # bounds start from |g_j| itself
                if sc.n_bounded == 0:
                    _screen_clear(sc)
                    sc.a_ref = prm.pen.a
                else:
                    sc.d_ref += s.delta
                memcpy(sc.r_ref, R, sc.n * sizeof(double))
                s.delta = 0.0
                moved = True
            sc.bounded[j] = 1
            k_b = near.n
            near.j[k_b] = j
            # |x~_j^T S R'| <= |g_j| + ||x~_j|| ||R' - R|| <= |g_j| + ||x~_j|| (D' - d_ref)
            near.c[k_b] = fabs(g[j]) * (1.0 + 1e-12) - sc.norm[j] * sc.d_ref
            near.norm[k_b] = sc.norm[j]
            near.pf[k_b] = pf[j]
            if prm.pen.a == sc.a_ref:
                ub = _screen_ub(near.c[k_b], sc.norm[j], sc.d_ref)
                sc.d_next = min(sc.d_next, sc.d_ref + (prm.pen.a * pf[j] - ub) / sc.norm[j])
            near.n += 1
            sc.n_bounded += 1
        else:
            sc.act[kept] = j
            kept += 1
    sc.n_act = kept
