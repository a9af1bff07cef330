package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// handleSignupPage shows the sign-up form.
func (w *web) handleSignupPage(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "signup", v)
}

// handleSignupForm creates the account (and with it the profile), signs
// the browser in and sends it to make a first group.
func (w *web) handleSignupForm(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	in := store.NewUser{Email: c.FormValue("email"), Nickname: c.FormValue("nickname"), Password: c.FormValue("password")}
	v.Form["email"], v.Form["nickname"] = in.Email, in.Nickname
	u, err := w.store.CreateUser(c.UserContext(), in)
	if err != nil {
		return w.renderRefused(c, v, "signup", err)
	}
	if _, err := w.beginSession(c, u); err != nil {
		return err
	}
	return w.redirect(c, "/groups/new", "welcome")
}

// handleLoginPage shows the log-in form; ?next= is where to go after.
func (w *web) handleLoginPage(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	v.Form["next"] = localPath(c.Query("next"))
	return w.render(c, http.StatusOK, "login", v)
}

// handleLoginForm checks the credentials; a mismatch re-renders the form
// with one message that does not say which of the two was wrong.
func (w *web) handleLoginForm(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	v.Form["email"], v.Form["next"] = c.FormValue("email"), localPath(c.FormValue("next"))
	u, err := w.store.Authenticate(c.UserContext(), c.FormValue("email"), c.FormValue("password"))
	if store.ErrorCode(err) == store.EUnauthorized {
		v.Message = v.t("login.failed")
		return w.render(c, http.StatusUnauthorized, "login", v)
	}
	if err != nil {
		return err
	}
	if _, err := w.beginSession(c, u); err != nil {
		return err
	}
	return w.redirect(c, v.Form["next"], "loggedin")
}

// handleLogoutForm ends the request's session (see logOut).
func (w *web) handleLogoutForm(c *fiber.Ctx) error {
	if err := w.logOut(c); err != nil {
		return err
	}
	return w.redirect(c, "/", "loggedout")
}
