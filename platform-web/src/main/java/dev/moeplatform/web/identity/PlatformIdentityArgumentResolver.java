package dev.moeplatform.web.identity;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Lets a controller method declare a {@link PlatformIdentity} parameter: the caller the identity filter verified. */
public class PlatformIdentityArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == PlatformIdentity.class;
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer container, NativeWebRequest request,
            WebDataBinderFactory binders) {
        Object identity = request.getAttribute(ServletIdentityFilter.ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        if (identity == null) {
            // A handler asked for an identity on a path the filter does not protect: a configuration mistake.
            throw new ApiException(ApiError.of(401, "this endpoint needs the signed identity header", "invalid_identity"));
        }
        return identity;
    }
}
