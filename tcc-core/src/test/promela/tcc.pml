/*
 * The TCC protocol of this project as a Promela model, checked by spin (docs/model.md explains it).
 *
 * One global transaction with two branches: branch 0 is the initiator's local participant (its fence shares the
 * global log's commits unless SEPARATE_COMMITS), branch 1 a remote participant behind a network that loses,
 * duplicates, reorders and delays requests and responses. The initiator may crash at every step; recovery runs
 * concurrently; cleanup deletes fence rows; an operator may cancel an undecided transaction by hand, and retries a
 * flagged one once the faults are over.
 *
 * Switches (spin -D...):
 *   SEPARATE_COMMITS       the local fence has its own DataSource: every log write commits on its own
 *   OLD_DECIDE_RULE        finding 1: the initiator turns a confirm into a cancel when its deadline passed before
 *                          deciding; decide-confirm only before the deadline (by the log's clock); a lost
 *                          compare-and-set that still finds TRYING makes the initiator decide CANCEL itself
 *   ON_TIME_DECISION       a scenario, not a rule: the deadline passes only after the initiator's first attempt to
 *                          decide, so every try and that attempt were on time (isolates finding 1's trail)
 *   OLD_CLEANUP_RULE       finding 3: cleanup deletes finished rows by updated_at alone, and a confirm that finds no
 *                          row is a protocol violation
 *
 * mtype names are the Java enum constants with a prefix per enum (ModelStatesMatchEnumsTest compares them):
 * FenceState F_, GlobalState G_, BranchState B_, FenceOutcome O_, FencePhase P_.
 */

mtype:FenceState = { F_TRIED, F_CONFIRMED, F_CANCELLED };
mtype:GlobalState = { G_TRYING, G_CONFIRMING, G_CANCELLING, G_CONFIRMED, G_CANCELLED };
mtype:BranchState = { B_REGISTERED, B_CONFIRMED, B_CANCELLED };
mtype:FenceOutcome = { O_EXECUTED, O_DUPLICATE, O_EMPTY_CANCEL, O_CLEANED_UP };
mtype:FencePhase = { P_TRY, P_CONFIRM, P_CANCEL };
/* answers that are not a FenceOutcome (refusals and errors are exceptions in the Java code); numbers, so that one
   variable holds either kind */
#define REFUSED   101   /* a try refused: suspension, or past the deadline */
#define FAILED    102   /* the business method threw: rolled back */
#define VIOLATION 103   /* definite error: protocol violation */
#define UNKNOWN   104   /* no answer: the caller timed out */

/* Time is the moments that some party's clock test can tell apart, each passed once, in any order the skew bound
   allows (docs/model.md): the deadline on the log's clock (which the initiator and recovery read too) and on the
   participant's (either first: clock skew); the deadline plus the recovery margin (recoveryMargin >= skew, so both
   deadlines passed); and the deadline plus the fence retention (longer than the margin). A finished fence row's own
   age (updated_at) is not tracked: cleanup may take it as old at any moment, which only allows more. */
bit dueL, dueP, margin, longAgo;
bit deadlineMayPass;  /* the initiator attempted its decision, or ended without (for ON_TIME_DECISION) */
#ifdef ON_TIME_DECISION
#define ON_TIME deadlineMayPass
#else
#define ON_TIME true
#endif
#define MAXATT    1   /* recovery's attempts before it flags the transaction for an operator */

/* callers of the remote participant; HEALED is the operator's retry after the faults are over */
#define INIT    0
#define RECOV   1
#define OPER    2
#define HEALED  3

/* who decided */
#define BY_INITIATOR 1
#define BY_RECOVERY  2
#define BY_OPERATOR  3

/* what the initiator's caller is told */
#define ANS_CONFIRMED           1
#define ANS_CANCELLED_OWN       2   /* a try failed (or, old rule, the deadline passed): the initiator's reason */
#define ANS_CANCELLED_ELSEWHERE 3   /* recovery or an operator decided CANCEL first */


bit healed;               /* set by the operator: from then on no message is lost and nothing fails */
#ifndef MAXFAULTS
#define MAXFAULTS 1       /* faults per run: a loss, duplicate, failure or crash (timeouts and delays are free) */
#endif
byte faults;
#define FAULT (!healed && faults < MAXFAULTS)

/* the global log: one transaction row, two branch rows (0 = no row) */
bit glogged;
mtype:GlobalState gstate;
mtype:BranchState bstate[2];
byte attempts;
bit flagged;

/* the fences: branch 0 in the log's database, branch 1 at the remote participant (0 = no row) */
mtype:FenceState fstate[2];

/* ghosts: what really happened */
bit btried[2], bconfirmed[2], bcancelled[2];   /* business methods that ran and committed */
mtype:GlobalState decision;                   /* the first decision written */
byte decidedBy;
bit allTriesOk;                               /* every try answered a definite success */
byte answer;                                  /* what the initiator's caller was told */
bit opRetried;                                /* the operator's retry after the faults were over is done */

/* requests on their way to the remote participant, per phase (at most 2 each): the participant takes any of them
   (reordering) whenever it likes (delay). Requests of one phase are alike, so a count stands for them. */
byte inflight[3];
#define IDX(p) ((p) == P_TRY -> 0 : ((p) == P_CONFIRM -> 1 : 2))
/* per caller: the phase it waits an answer for (0: none) and the answer (0: none yet). An answer that arrives when
   its caller no longer waits is dropped, as a closed connection drops it. */
mtype:FencePhase waiting[4];
byte reply[4];

#define SUCCESS(o) ((o) == O_EXECUTED || (o) == O_DUPLICATE || (o) == O_EMPTY_CANCEL || (o) == O_CLEANED_UP)
#define OPEN (gstate == G_CONFIRMING || gstate == G_CANCELLING)
#define FINISHED (gstate == G_CONFIRMED || gstate == G_CANCELLED)
#define FINAL(g) ((g) == G_CONFIRMING -> G_CONFIRMED : G_CANCELLED)
#define BRANCH_AFTER(g) ((g) == G_CONFIRMING -> B_CONFIRMED : B_CANCELLED)
#define PHASE(g) ((g) == G_CONFIRMING -> P_CONFIRM : P_CANCEL)

#ifdef OLD_DECIDE_RULE
#define MAY_DECIDE(w) ((w) == G_CANCELLING || !dueL)   /* decide-confirm: AND deadline_ms > now */
#else
#define MAY_DECIDE(w) true                                          /* a compare-and-set from TRYING, whatever the time */
#endif

#ifdef OLD_CLEANUP_RULE
#define LONG_AGO false                          /* no "finished long ago" answer, no deadline test in cleanup */
#else
#define LONG_AGO longAgo                        /* the deadline lies more than the retention back */
#endif

/* The decision: a compare-and-set from TRYING, to be called inside atomic with gstate == G_TRYING. */
inline decide(w, by) {
    assert(gstate == G_TRYING);
    gstate = w;
    decision = w;
    decidedBy = by;
    if
    :: by == BY_INITIATOR -> printf("MODEL: the initiator decides %e (deadline passed: %d)\n", gstate, dueL)
    :: by == BY_RECOVERY -> printf("MODEL: recovery decides %e\n", gstate)
    :: by == BY_OPERATOR -> printf("MODEL: the operator decides %e\n", gstate)
    fi;
    /* safety: the initiator decides CANCEL only when some try did not answer a definite success */
    assert(!(by == BY_INITIATOR && w == G_CANCELLING && allTriesOk))
}

/* The fence, as the table in DESIGN.md; one call is one local transaction (the racing tests prove that). */
inline fenceTry(i, due, o) {
    if
    :: fstate[i] == 0 && due -> o = REFUSED                    /* past the deadline: nothing recorded */
    :: fstate[i] == 0 && !due && FAULT -> faults++; o = FAILED /* the business try threw: rolled back */
    :: fstate[i] == 0 && !due -> fstate[i] = F_TRIED; btried[i] = 1; o = O_EXECUTED
    :: fstate[i] == F_TRIED || fstate[i] == F_CONFIRMED -> o = O_DUPLICATE
    :: fstate[i] == F_CANCELLED -> o = REFUSED                 /* suspension refused */
    fi
}

inline fenceConfirm(i, o) {
    if
    :: fstate[i] == F_TRIED && FAULT -> faults++; o = FAILED   /* the business confirm threw: stays TRIED */
    :: fstate[i] == F_TRIED ->
        assert(btried[i] && !bconfirmed[i] && !bcancelled[i]);
        fstate[i] = F_CONFIRMED; bconfirmed[i] = 1; o = O_EXECUTED
    :: fstate[i] == F_CONFIRMED -> o = O_DUPLICATE
    :: fstate[i] == F_CANCELLED -> o = VIOLATION
    :: fstate[i] == 0 && LONG_AGO -> o = O_CLEANED_UP
    :: fstate[i] == 0 && !LONG_AGO -> o = VIOLATION; printf("MODEL: confirm of branch %d found no row: protocol violation\n", i)
    fi
}

inline fenceCancel(i, o) {
    if
    :: fstate[i] == 0 && LONG_AGO -> o = O_CLEANED_UP
    :: fstate[i] == 0 && !LONG_AGO -> fstate[i] = F_CANCELLED; o = O_EMPTY_CANCEL
    :: fstate[i] == F_TRIED && FAULT -> faults++; o = FAILED
    :: fstate[i] == F_TRIED ->
        assert(btried[i] && !bconfirmed[i] && !bcancelled[i]);
        fstate[i] = F_CANCELLED; bcancelled[i] = 1; o = O_EXECUTED
    :: fstate[i] == F_CANCELLED -> o = O_DUPLICATE
    :: fstate[i] == F_CONFIRMED -> o = VIOLATION
    fi
}

/* A call to the remote participant: the request is lost, sent once or duplicated; the answer comes back or the
   caller times out (unknown). Answers are matched by phase; a late one of an earlier call of the same phase only
   stands for a state the participant had before. */
inline call(ph, who, o) {
    waiting[who] = ph;
    if
    :: FAULT -> faults++                                        /* lost */
    :: FAULT && inflight[IDX(ph)] == 0 -> faults++; inflight[IDX(ph)] = 2   /* duplicated */
    :: inflight[IDX(ph)] < 2 -> inflight[IDX(ph)]++
    :: inflight[IDX(ph)] == 2    /* two alike are on their way already: they stand for this one */
    fi;
    if
    :: reply[who] != 0 -> o = reply[who]
    :: who != HEALED -> o = UNKNOWN
    fi;
    atomic { waiting[who] = 0; reply[who] = 0 }
}

/* The initiator may crash at every step; recovery takes over. */
bit crashed;
#define CRASH_POINT(who) if :: who == INIT && FAULT && !crashed -> faults++; crashed = 1; goto crash :: true fi

/* One log transaction may fail (rolls back) while there are faults. */
#define COMMIT_FAILS FAULT

/* Phase two over the branches pending in the caller's view (p0, p1), as Coordinator.drive: a branch's success and
   its log row move commit together (with the local fence too when it shares the log's commits); the last one also
   finishes the transaction when every branch before it succeeded. Leaves allDone. */
inline drive(who, dec, p0, p1, o, allDone, fin) {
    allDone = 1;
    fin = 0;
    if
    :: p0 ->
        CRASH_POINT(who);
#ifdef SEPARATE_COMMITS
        atomic { if :: dec == G_CONFIRMING -> fenceConfirm(0, o) :: else -> fenceCancel(0, o) fi };
        CRASH_POINT(who);
        atomic {
            if
            :: SUCCESS(o) ->
                if :: bstate[0] == B_REGISTERED -> bstate[0] = BRANCH_AFTER(dec) :: else fi;
                if :: !p1 && gstate == dec -> gstate = FINAL(dec); fin = 1 :: else fi
            :: SUCCESS(o) && COMMIT_FAILS -> faults++; allDone = 0
            :: !SUCCESS(o) -> allDone = 0
            fi
        }
#else
        atomic {
            if :: dec == G_CONFIRMING -> fenceConfirm(0, o) :: else -> fenceCancel(0, o) fi;
            if
            :: SUCCESS(o) ->
                if :: bstate[0] == B_REGISTERED -> bstate[0] = BRANCH_AFTER(dec) :: else fi;
                if :: !p1 && gstate == dec -> gstate = FINAL(dec); fin = 1 :: else fi
            :: else -> allDone = 0      /* one transaction: the fence change rolled back with it */
            fi
        }
#endif
    :: else
    fi;
    if
    :: p1 ->
        CRASH_POINT(who);
        call(PHASE(dec), who, o);
        CRASH_POINT(who);
        atomic {
            if
            :: SUCCESS(o) ->
                if :: bstate[1] == B_REGISTERED -> bstate[1] = BRANCH_AFTER(dec) :: else fi;
                if :: allDone && gstate == dec -> gstate = FINAL(dec); fin = 1 :: else fi
            :: SUCCESS(o) && COMMIT_FAILS -> faults++; allDone = 0
            :: else -> allDone = 0
            fi
        }
    :: else
    fi;
    atomic {
        if
        :: allDone && !fin && gstate == dec -> gstate = FINAL(dec)   /* nothing was pending */
        :: allDone && !fin && gstate == dec && COMMIT_FAILS -> faults++; allDone = 0
        :: !allDone && attempts < MAXATT -> attempts++                                /* postpone */
        :: else
        fi
    }
}


proctype Initiator() {
    byte o;
    bit tryFailed, deadlineReason, sharedDone, allDone, fin, p0, p1;
    mtype:GlobalState wanted, decided;

    /* branch 0, local: registered before its try runs */
#ifdef SEPARATE_COMMITS
    atomic {
        if
        :: !dueL -> glogged = 1; gstate = G_TRYING; bstate[0] = B_REGISTERED
        :: !dueL && COMMIT_FAILS -> faults++; tryFailed = 1
        :: else -> tryFailed = 1
        fi
    };
    CRASH_POINT(INIT);
    if
    :: !tryFailed -> atomic { fenceTry(0, dueL, o); tryFailed = !SUCCESS(o) }
    :: else
    fi;
#else
    atomic {    /* registration and local try: one commit */
        if
        :: !dueL ->
            fenceTry(0, dueL, o);
            if
            :: SUCCESS(o) -> glogged = 1; gstate = G_TRYING; bstate[0] = B_REGISTERED
            :: else -> tryFailed = 1
            fi
        :: else -> tryFailed = 1
        fi
    };
#endif
    CRASH_POINT(INIT);

    /* branch 1, remote: registration (on the row the decision changes) commits before the try is sent */
    if
    :: !tryFailed ->
        atomic {
            if
            :: gstate == G_TRYING && !dueL -> bstate[1] = B_REGISTERED
            :: gstate == G_TRYING && !dueL && COMMIT_FAILS -> faults++; tryFailed = 1
            :: else -> tryFailed = 1     /* decided already, or past the deadline: refused, the try is not sent */
            fi
        };
        CRASH_POINT(INIT);
        if
        :: !tryFailed ->
            call(P_TRY, INIT, o);
            tryFailed = !(o == O_EXECUTED || o == O_DUPLICATE)
        :: else
        fi
    :: else
    fi;
    allTriesOk = !tryFailed;
    CRASH_POINT(INIT);

    wanted = (tryFailed -> G_CANCELLING : G_CONFIRMING);
#ifdef OLD_DECIDE_RULE
    if
    :: wanted == G_CONFIRMING && dueL -> wanted = G_CANCELLING; deadlineReason = 1
    :: else
    fi;
#endif
    if
    :: !glogged ->      /* nothing registered: nothing to log or undo */
        answer = (tryFailed -> ANS_CANCELLED_OWN : ANS_CONFIRMED);
        goto done
    :: else
    fi;

#ifndef SEPARATE_COMMITS
    /* the decision and the local branch's phase two in one commit */
    atomic {
        if
        :: gstate == G_TRYING && MAY_DECIDE(wanted) ->
            if :: wanted == G_CONFIRMING -> fenceConfirm(0, o) :: else -> fenceCancel(0, o) fi;
            if
            :: SUCCESS(o) ->
                decide(wanted, BY_INITIATOR);
                bstate[0] = BRANCH_AFTER(wanted);
                if :: bstate[1] == 0 -> gstate = FINAL(wanted) :: else fi;
                sharedDone = 1; decided = wanted
            :: else -> printf("MODEL: the shared commit of the decision %e and the local phase two rolled back\n", wanted)
            fi
        :: else
        fi;
        deadlineMayPass = 1
    };
    CRASH_POINT(INIT);
#endif
    if
    :: !sharedDone ->
        /* the decision on its own: a compare-and-set from TRYING; whoever decided first wins */
        atomic {
            if
            :: gstate == G_TRYING && MAY_DECIDE(wanted) -> decide(wanted, BY_INITIATOR); decided = wanted
            :: else -> decided = gstate
            fi;
            deadlineMayPass = 1
        };
#ifdef OLD_DECIDE_RULE
        /* "a confirm arrived after the deadline by the database's clock: cancel instead" */
        atomic {
            if
            :: decided == G_TRYING && gstate == G_TRYING -> decide(G_CANCELLING, BY_INITIATOR); decided = G_CANCELLING
            :: decided == G_TRYING && gstate != G_TRYING -> decided = gstate
            :: else
            fi
        };
#endif
        CRASH_POINT(INIT);
        if
        :: decided == G_CONFIRMED -> decided = G_CONFIRMING     /* someone else finished it already */
        :: decided == G_CANCELLED -> decided = G_CANCELLING
        :: else
        fi;
        p0 = (bstate[0] != 0);
        p1 = (bstate[1] != 0)
    :: else ->
        p0 = 0;
        p1 = (bstate[1] != 0)
    fi;
    drive(INIT, decided, p0, p1, o, allDone, fin);

    /* the caller's answer: the decision, and who took it when it is a cancel the initiator did not want */
    if
    :: decided == G_CONFIRMING -> answer = ANS_CONFIRMED
    :: decided == G_CANCELLING && (tryFailed || deadlineReason) -> answer = ANS_CANCELLED_OWN
    :: else -> answer = ANS_CANCELLED_ELSEWHERE
    fi;
done:
    deadlineMayPass = 1;
    assert(answer != ANS_CONFIRMED || !glogged || decision == G_CONFIRMING);
    assert(answer != ANS_CANCELLED_OWN || !glogged || decision == G_CANCELLING);
    assert(answer != ANS_CANCELLED_ELSEWHERE || (decision == G_CANCELLING && decidedBy != BY_INITIATOR));
crash:
    deadlineMayPass = 1
}

/* The remote participant: takes any waiting request (reordering), runs it through its fence, answers or not. The
   answer goes to every caller waiting for that phase: to one whose own request is still on its way it stands for
   the answer of an earlier, alike request. */
proctype Participant() {
    mtype:FencePhase ph;
    byte c, o;
end:
    do
    :: atomic {
        if
        :: inflight[0] > 0 -> inflight[0]--; ph = P_TRY
        :: inflight[1] > 0 -> inflight[1]--; ph = P_CONFIRM
        :: inflight[2] > 0 -> inflight[2]--; ph = P_CANCEL
        fi;
        if
        :: ph == P_TRY -> fenceTry(1, dueP, o)
        :: ph == P_CONFIRM -> fenceConfirm(1, o)
        :: ph == P_CANCEL -> fenceCancel(1, o)
        fi;
        if
        :: FAULT -> faults++                      /* the response is lost */
        :: true ->
            c = 0;
            do
            :: c < 4 && waiting[c] == ph && reply[c] == 0 -> reply[c] = o; c++
            :: c < 4 && !(waiting[c] == ph && reply[c] == 0) -> c++
            :: c == 4 -> break
            od
        fi;
        ph = 0; c = 0; o = 0
       }
    od
}

/* Recovery: cancels a TRYING transaction past deadline + margin (its own clock), drives a decided one, flags it after
   MAXATT failed attempts. One daemon at a time drives a transaction (the row claim). */
proctype Recovery() {
    byte o;
    bit allDone, fin, p0, p1;
    mtype:GlobalState dec;
end:
    do
    :: atomic { glogged && gstate == G_TRYING && margin -> decide(G_CANCELLING, BY_RECOVERY) }
    :: atomic { glogged && !flagged && OPEN && attempts >= MAXATT -> flagged = 1; printf("MODEL: flagged for an operator\n") }
    :: atomic { glogged && !flagged && OPEN && attempts < MAXATT ->
                dec = gstate; p0 = (bstate[0] == B_REGISTERED); p1 = (bstate[1] == B_REGISTERED) };
        drive(RECOV, dec, p0, p1, o, allDone, fin);
        dec = 0; p0 = 0; p1 = 0; o = 0; allDone = 0; fin = 0
    od;
crash:
    skip
}

/* Cleanup: deletes finished fence rows older than the retention by the participant database's clock; the new rule
   also needs the deadline that far back. Never a TRIED row. */
#ifdef OLD_CLEANUP_RULE
#define CLEANABLE(i) (fstate[i] != 0 && fstate[i] != F_TRIED)
#else
#define CLEANABLE(i) (fstate[i] != 0 && fstate[i] != F_TRIED && longAgo)
#endif
proctype Cleanup() {
end:
    do
    :: atomic { CLEANABLE(0) -> fstate[0] = 0; printf("MODEL: cleanup deletes the row of branch 0\n") }
    :: atomic { CLEANABLE(1) -> fstate[1] = 0; printf("MODEL: cleanup deletes the row of branch 1\n") }
    od
}

/* The operator: may cancel an undecided transaction by hand (resolve CANCEL_ALL); retries a flagged one (retry now,
   or resolve as the decision says: the same drive) once the faults are over. */
proctype Operator() {
    byte o;
    bit allDone, fin, p0, p1;
    mtype:GlobalState dec;
    if
    :: atomic { glogged && gstate == G_TRYING -> decide(G_CANCELLING, BY_OPERATOR) }   /* recovery drives it */
    :: skip
    fi;
end:
    if
    :: atomic { flagged -> healed = 1; flagged = 0;
                dec = (gstate == G_CONFIRMED -> G_CONFIRMING : (gstate == G_CANCELLED -> G_CANCELLING : gstate));
                p0 = (bstate[0] == B_REGISTERED); p1 = (bstate[1] == B_REGISTERED);
                printf("MODEL: the faults are over; the operator retries\n") };
        drive(HEALED, dec, p0, p1, o, allDone, fin);
        opRetried = 1
    fi;
crash:
    skip
}

/* Time passes: each moment once, in an order the skew bound allows; a fence row ages after its last change. */
active proctype Clock() {
end:
    do
    :: atomic { !dueL && ON_TIME -> dueL = 1 }
    :: atomic { !dueP -> dueP = 1 }
    :: atomic { dueL && dueP && !margin -> margin = 1 }
    :: atomic { margin && !longAgo -> longAgo = 1 }
    od
}

/* Safety in every state: a decision is never reversed; business confirm and cancel only after their try, never both,
   and only as the decision says. */
#define BRANCH_OK(i) ((!bconfirmed[i] || (btried[i] && decision == G_CONFIRMING)) \
                   && (!bcancelled[i] || (btried[i] && decision == G_CANCELLING)) \
                   && !(bconfirmed[i] && bcancelled[i]))
#define NEVER_REVERSED (decision == 0 || gstate == decision || gstate == FINAL(decision))
active proctype Safety() {
end:
    atomic { !(NEVER_REVERSED && BRANCH_OK(0) && BRANCH_OK(1)) -> assert(false) }
}

/* Liveness at quiescence: once nothing can move any more (every process done or waiting, the network drained),
   every branch matches the decision, nothing is left reserved, and the transaction is finished or flagged; after the
   operator's retry without faults it is finished. */
#define SETTLED(i) (bstate[i] == 0 \
                 || (gstate == G_CONFIRMED && bconfirmed[i]) \
                 || (gstate == G_CANCELLED && (!btried[i] || bcancelled[i])))
active proctype Quiescence() {
    timeout ->
    assert(glogged || (!btried[0] && !btried[1]));
    assert(!glogged || FINISHED || flagged);
    assert(!FINISHED || (SETTLED(0) && SETTLED(1)));
    assert(!opRetried || FINISHED);
    assert(!(allTriesOk && gstate == G_CANCELLED) || decidedBy != BY_INITIATOR)
}

init {
    atomic {
        run Initiator();
        run Participant();
        run Recovery();
        run Cleanup();
        run Operator()
    }
}
