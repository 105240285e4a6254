import Domain
import Testing

@Suite("Accounts: registration")
struct RegistrationTests {
    @Test("anyone may register themselves as a viewer or a creator", arguments: [Role.viewer, .creator])
    func selfRegistration(role: Role) {
        let state = given([])
            .when(F.register("acc_new", "newbie", role))
            .then([F.registered("acc_new", "newbie", role)])
        #expect(state.account(handle: "newbie")?.id == "acc_new")
        #expect(state.accounts["acc_new"]?.role == role)
        #expect(state.accounts["acc_new"]?.suspended == false)
    }

    @Test("an active account may register a viewer or creator on someone's behalf", arguments: [Role.viewer, .creator])
    func registrationByActiveActor(role: Role) {
        given(F.world)
            .when(F.register("acc_new", "newbie", role, actor: F.vera))
            .then([F.registered("acc_new", "newbie", role)])
    }

    @Test("handles at the length limits are accepted",
          arguments: ["abc", "a_1", "z" + .repeating("9", 29), "a" + .repeating("_", 29)])
    func validHandles(handle: String) {
        given([])
            .when(F.register("acc_new", handle, .viewer))
            .then([F.registered("acc_new", handle, .viewer)])
    }

    @Test("invalid handles are rejected with the reason", arguments: [
        ("", "must be 3 to 30 characters"),
        ("ab", "must be 3 to 30 characters"),
        ("a" + String.repeating("b", 30), "must be 3 to 30 characters"),
        ("1abc", "must start with a lowercase letter"),
        ("_abc", "must start with a lowercase letter"),
        ("Alice", "must start with a lowercase letter"),
        ("éclair", "must start with a lowercase letter"),
        ("alIce", "may contain only lowercase letters, digits and '_'"),
        ("al-ice", "may contain only lowercase letters, digits and '_'"),
        ("al ice", "may contain only lowercase letters, digits and '_'"),
        ("alicé", "may contain only lowercase letters, digits and '_'"),
        ("alice!", "may contain only lowercase letters, digits and '_'"),
    ])
    func invalidHandles(handle: String, reason: String) {
        given([])
            .when(F.register("acc_new", handle, .viewer))
            .thenThrows(.invalid(field: "handle", reason: reason))
    }

    @Test func takenHandleIsRejected() {
        given(F.world)
            .when(F.register("acc_other", "vera", .viewer))
            .thenThrows(.handleTaken("vera"))
    }

    @Test func existingAccountIdIsAConflict() {
        given(F.world)
            .when(F.register(F.vera, "vera2", .viewer))
            .thenThrows(.conflict("account id acc_vera already exists"))
    }

    @Test("moderator and admin cannot self-register", arguments: [Role.moderator, .admin])
    func privilegedSelfRegistration(role: Role) {
        given(F.world)
            .when(F.register("acc_new", "newbie", role))
            .thenThrows(.forbidden("only an admin may register \(role == .admin ? "an" : "a") \(role.rawValue) account"))
    }

    @Test("only an admin registers moderators and admins",
          arguments: [F.vera, F.cleo, F.mona], [Role.moderator, .admin])
    func privilegedRegistrationByNonAdmin(actor: String, role: Role) {
        given(F.world)
            .when(F.register("acc_new", "newbie", role, actor: actor))
            .thenThrows(.forbidden("only an admin may register \(role == .admin ? "an" : "a") \(role.rawValue) account"))
    }

    @Test("an admin registers moderators and admins", arguments: [Role.moderator, .admin])
    func privilegedRegistrationByAdmin(role: Role) {
        let state = given(F.world)
            .when(F.register("acc_new", "newbie", role, actor: F.root))
            .then([F.registered("acc_new", "newbie", role)])
        #expect(state.accounts["acc_new"]?.role == role)
    }

    @Test("a suspended admin cannot register anyone", arguments: [Role.viewer, .moderator, .admin])
    func suspendedAdminCannotRegister(role: Role) {
        given(F.world + [F.suspended(F.root, by: F.root2)])
            .when(F.register("acc_new", "newbie", role, actor: F.root))
            .thenThrows(.accountSuspended("root"))
    }

    @Test func unknownActorIsRejected() {
        given(F.world)
            .when(F.register("acc_new", "newbie", .admin, actor: "acc_ghost"))
            .thenThrows(.unknownAccount("acc_ghost"))
        given(F.world)
            .when(F.register("acc_new", "newbie", .viewer, actor: "acc_ghost"))
            .thenThrows(.unknownAccount("acc_ghost"))
    }

    @Test func theFirstAccountOfAnEmptyPlatformMaySelfRegisterAsAdmin() {
        let state = given([])
            .when(F.register(F.root, "root", .admin))
            .then([F.registered(F.root, "root", .admin)])
        #expect(state.accounts[F.root]?.role == .admin)
        // only the very first account, and only as admin
        given([F.registered(F.root, "root", .admin)])
            .when(F.register("acc_two", "two", .admin))
            .thenThrows(.forbidden("only an admin may register an admin account"))
        given([F.registered(F.vera, "vera", .viewer)])
            .when(F.register("acc_two", "two", .admin))
            .thenThrows(.forbidden("only an admin may register an admin account"))
        given([])
            .when(F.register("acc_mod", "mod", .moderator))
            .thenThrows(.forbidden("only an admin may register a moderator account"))
        // naming an actor on an empty platform is not the bootstrap path
        given([])
            .when(F.register(F.root, "root", .admin, actor: "acc_nobody"))
            .thenThrows(.unknownAccount("acc_nobody"))
    }

    @Test func handleIsCheckedBeforePermissions() {
        given(F.world)
            .when(F.register("acc_new", "X", .admin))
            .thenThrows(.invalid(field: "handle", reason: "must be 3 to 30 characters"))
    }
}

@Suite("Accounts: role changes")
struct RoleChangeTests {
    @Test func adminPromotesAViewer() {
        let state = given(F.world)
            .when(F.changeRole(F.vera, to: .moderator))
            .then([F.roleChanged(F.vera, to: .moderator)])
        #expect(state.accounts[F.vera]?.role == .moderator)
    }

    @Test func adminDemotesAnotherAdminWhoThenCannotAct() {
        let state = given(F.world)
            .when(F.changeRole(F.root2, to: .viewer))
            .then([F.roleChanged(F.root2, to: .viewer)])
        #expect(state.accounts[F.root2]?.role == .viewer)
        given(F.world + [F.roleChanged(F.root2, to: .viewer)])
            .when(F.grant(F.vera, 10, actor: F.root2))
            .thenThrows(.forbidden("only an admin may grant tokens"))
    }

    @Test func sameRoleIsANoOp() {
        given(F.world)
            .when(F.changeRole(F.cleo, to: .creator))
            .thenNothingHappens()
    }

    @Test("only an admin changes roles", arguments: [F.vera, F.cleo, F.mona])
    func nonAdminCannot(actor: String) {
        given(F.world)
            .when(F.changeRole(F.carl, to: .admin, actor: actor))
            .thenThrows(.forbidden("only an admin may change roles"))
    }

    @Test func suspendedAdminCannot() {
        given(F.world + [F.suspended(F.root, by: F.root2)])
            .when(F.changeRole(F.vera, to: .creator))
            .thenThrows(.accountSuspended("root"))
    }

    @Test func unknownTargetOrActor() {
        given(F.world)
            .when(F.changeRole("acc_ghost", to: .creator))
            .thenThrows(.unknownAccount("acc_ghost"))
        given(F.world)
            .when(F.changeRole(F.vera, to: .creator, actor: "acc_ghost"))
            .thenThrows(.unknownAccount("acc_ghost"))
    }

    @Test func adminCannotChangeOwnRole() {
        given(F.world)
            .when(F.changeRole(F.root, to: .viewer))
            .thenThrows(.forbidden("an admin cannot change their own role"))
    }
}

@Suite("Accounts: suspend and reinstate")
struct SuspensionTests {
    @Test func adminSuspendsAnAccount() {
        let state = given(F.world)
            .when(F.suspend(F.vera, reason: "spam links"))
            .then([F.suspended(F.vera, reason: "spam links")])
        #expect(state.accounts[F.vera]?.suspended == true)
    }

    @Test func suspendingTwiceEmitsNothing() {
        let once = given(F.world).when(F.suspend(F.vera)).then([F.suspended(F.vera)])
        let twice = given(F.world + [F.suspended(F.vera)]).when(F.suspend(F.vera, reason: "again")).thenNothingHappens()
        #expect(once == twice)
    }

    @Test func reinstateRestoresTheAccount() {
        let state = given(F.world + [F.suspended(F.vera)])
            .when(F.reinstate(F.vera))
            .then([F.reinstated(F.vera)])
        #expect(state.accounts[F.vera]?.suspended == false)
    }

    @Test func reinstatingAnActiveAccountEmitsNothing() {
        given(F.world).when(F.reinstate(F.vera)).thenNothingHappens()
        given(F.world + [F.suspended(F.vera), F.reinstated(F.vera)]).when(F.reinstate(F.vera)).thenNothingHappens()
    }

    @Test("only an admin suspends or reinstates", arguments: [F.vera, F.cleo, F.mona])
    func nonAdminCannot(actor: String) {
        given(F.world).when(F.suspend(F.carl, actor: actor))
            .thenThrows(.forbidden("only an admin may suspend accounts"))
        given(F.world + [F.suspended(F.carl)]).when(F.reinstate(F.carl, actor: actor))
            .thenThrows(.forbidden("only an admin may reinstate accounts"))
    }

    @Test func suspendedAdminCannotSuspendOrReinstate() {
        let history = F.world + [F.suspended(F.carl), F.suspended(F.root, by: F.root2)]
        given(history).when(F.suspend(F.vera)).thenThrows(.accountSuspended("root"))
        given(history).when(F.reinstate(F.carl)).thenThrows(.accountSuspended("root"))
        // nor can it lift its own suspension
        given(history).when(F.reinstate(F.root)).thenThrows(.accountSuspended("root"))
    }

    @Test func adminCannotSuspendThemselves() {
        given(F.world).when(F.suspend(F.root)).thenThrows(.forbidden("an admin cannot suspend themselves"))
    }

    @Test func anAdminMaySuspendAnotherAdmin() {
        given(F.world).when(F.suspend(F.root2, actor: F.root)).then([F.suspended(F.root2, by: F.root)])
    }

    @Test func unknownAccount() {
        given(F.world).when(F.suspend("acc_ghost")).thenThrows(.unknownAccount("acc_ghost"))
        given(F.world).when(F.reinstate("acc_ghost")).thenThrows(.unknownAccount("acc_ghost"))
        given(F.world).when(F.suspend(F.vera, actor: "acc_ghost")).thenThrows(.unknownAccount("acc_ghost"))
    }

    @Test("the reason is required, bounded and printable", arguments: [
        ("", "must not be empty"),
        (String.repeating("x", 501), "must be at most 500 characters"),
        ("line\nbreak", "must not contain control characters"),
        ("tab\there", "must not contain control characters"),
        ("del\u{7f}", "must not contain control characters"),
        ("c1\u{85}", "must not contain control characters"),
    ])
    func reasonRules(reason: String, problem: String) {
        given(F.world).when(F.suspend(F.vera, reason: reason))
            .thenThrows(.invalid(field: "reason", reason: problem))
        given(F.world + [F.suspended(F.vera)]).when(F.reinstate(F.vera, reason: reason))
            .thenThrows(.invalid(field: "reason", reason: problem))
    }

    @Test func reasonAtTheLimitIsAccepted() {
        let reason = String.repeating("é", 500)
        given(F.world).when(F.suspend(F.vera, reason: reason)).then([F.suspended(F.vera, reason: reason)])
    }

    @Test func aSuspendedAccountCannotActUntilReinstated() {
        let history = F.world + [F.granted(F.vera, 100), F.suspended(F.vera), F.suspended(F.cleo)]
        given(history).when(F.sendGift("rose", 1, channel: F.cleoChannel)).thenThrows(.accountSuspended("vera"))
        given(history).when(F.createChannel("chn_x", owner: F.cleo, slug: "cleo-two", title: "Two"))
            .thenThrows(.accountSuspended("cleo"))
        given(history).when(F.updateChannel(title: "New")).thenThrows(.accountSuspended("cleo"))
        given(history).when(F.rotateKey()).thenThrows(.accountSuspended("cleo"))
        given(history + [F.reinstated(F.cleo)]).when(F.rotateKey())
            .then([.channelStreamKeyRotated(ChannelStreamKeyRotated(channelId: F.cleoChannel))])
    }
}
